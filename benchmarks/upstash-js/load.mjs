// The @upstash/ratelimit side of UpstashSideBySideHarness: `callers` concurrent async callers,
// each with one limit() call in flight, through @upstash/redis with auto-pipelining (its default),
// on `keys` keys, a token bucket of ten million per 366 days. Prints one JSON line.
// Usage: UPSTASH_REDIS_REST_URL=… UPSTASH_REDIS_REST_TOKEN=… node load.mjs callers warmupS measureS keys
import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis";

const [callers, warmup, seconds, keys] = process.argv.slice(2).map(Number);
const redis = new Redis({
  url: process.env.UPSTASH_REDIS_REST_URL,
  token: process.env.UPSTASH_REDIS_REST_TOKEN,
  enableAutoPipelining: true,
});
const limiter = new Ratelimit({
  redis,
  limiter: Ratelimit.tokenBucket(10_000_000, "366 d", 10_000_000),
  prefix: "js",
  analytics: false,
});
const warmupEnd = performance.now() + warmup * 1000;
const end = warmupEnd + seconds * 1000;
let decisions = 0;
let errors = 0;
let denied = 0;
let all = 0;
async function caller(c) {
  for (let seq = 0; performance.now() < end; seq++) {
    const start = performance.now();
    try {
      const r = await limiter.limit("k-" + ((seq * 64 + c) % keys));
      if (!r.success) denied++;
    } catch (e) {
      if (start >= warmupEnd) errors++;
    }
    all++;
    const now = performance.now();
    if (start >= warmupEnd && now <= end) decisions++;
  }
}
await Promise.all(Array.from({ length: callers }, (_, c) => caller(c)));
console.log(JSON.stringify({ decisionsPerSecond: decisions / seconds, errors, denied, all }));
