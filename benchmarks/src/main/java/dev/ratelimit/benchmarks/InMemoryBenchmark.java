package dev.ratelimit.benchmarks;

import dev.ratelimit.Clock;
import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimitBackend;
import dev.ratelimit.RateLimiter;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One in-memory decision per key, on one hot key or spread over 100,000 keys, against the usual
 * per-key pattern of each peer: a limiter per key in a {@link ConcurrentHashMap}. Limits are high
 * enough that every request is allowed, so every call does the full work of an admission. Run with
 * {@code -t 1} and {@code -t 2}.
 *
 * <p>The two token buckets (ours and Bucket4j's) get the same limit, chosen so that a key's state
 * outlives the gap between its requests, as for a real caller: on one hot key a billion per 10 s
 * (one token per µs), on 100,000 keys a hundred million per 366 days (one per 316 ms). With a
 * faster refill the state of a key would be full again between two of its requests, and our
 * backend, which drops state that no longer matters, would spend the run dropping and re-creating
 * it — work the peers, which keep every bucket for ever, do not do.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class InMemoryBenchmark {

    /** A billion per 10 s, for the peers that only need never to refuse. */
    private static final long LOTS = 1_000_000_000L;

    private static final Duration PERIOD = Duration.ofSeconds(10);

    /** The keys and the four limiters, shared by the benchmark threads. */
    @State(Scope.Benchmark)
    public static class Limiters {
        @Param({"1", "100000"})
        public int keys;

        String[] names;
        long bucketPermits;
        Duration bucketPeriod;
        RateLimiter ratelimit;
        RateLimitBackend backend;
        final ConcurrentHashMap<String, Bucket> bucket4j = new ConcurrentHashMap<>();
        final ConcurrentHashMap<String, com.google.common.util.concurrent.RateLimiter> guava =
                new ConcurrentHashMap<>();
        final ConcurrentHashMap<String, io.github.resilience4j.ratelimiter.RateLimiter> resilience4j =
                new ConcurrentHashMap<>();
        final RateLimiterConfig resilience4jConfig = RateLimiterConfig.custom()
                .limitForPeriod((int) LOTS)
                .limitRefreshPeriod(PERIOD)
                .timeoutDuration(Duration.ZERO)
                .build();

        @Setup(Level.Trial)
        public void setUp() {
            names = new String[keys];
            for (int i = 0; i < keys; i++) {
                names[i] = "client-" + i;
            }
            bucketPermits = keys == 1 ? LOTS : 100_000_000L;
            bucketPeriod = keys == 1 ? PERIOD : Duration.ofDays(366);
            backend = RateLimitBackend.inMemory(Clock.system(), 2 * keys + 1_000);
            ratelimit = RateLimiter.builder()
                    .policy(Policy.of(
                            "bench", Limit.of(bucketPermits, bucketPeriod).tokenBucket()))
                    .backend(backend)
                    .build();
            for (String name : names) {
                ratelimit.tryAcquire(name);
                bucket4j(name).tryConsume(1);
                boolean unused = guava(name).tryAcquire(); // creates the limiter; the answer is not the point
                resilience4j(name).acquirePermission();
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            ratelimit.close();
            backend.close();
        }

        Bucket bucket4j(String key) {
            return bucket4j.computeIfAbsent(
                    key,
                    k -> Bucket.builder()
                            .addLimit(limit -> limit.capacity(bucketPermits).refillGreedy(bucketPermits, bucketPeriod))
                            .build());
        }

        com.google.common.util.concurrent.RateLimiter guava(String key) {
            return guava.computeIfAbsent(key, k -> com.google.common.util.concurrent.RateLimiter.create(LOTS / 10.0));
        }

        io.github.resilience4j.ratelimiter.RateLimiter resilience4j(String key) {
            return resilience4j.computeIfAbsent(
                    key, k -> io.github.resilience4j.ratelimiter.RateLimiter.of(k, resilience4jConfig));
        }
    }

    /** Each thread walks the keys from its own starting point. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;

        @Setup(Level.Trial)
        public void setUp() {
            next = (int) (Thread.currentThread().getId() * 7_919);
        }

        String key(Limiters limiters) {
            next = next + 1 == Integer.MAX_VALUE ? 0 : next + 1;
            return limiters.names[next % limiters.names.length];
        }
    }

    @Benchmark
    public Decision ratelimit(Limiters limiters, Cursor cursor) {
        return limiters.ratelimit.tryAcquire(cursor.key(limiters));
    }

    @Benchmark
    public boolean bucket4j(Limiters limiters, Cursor cursor) {
        return limiters.bucket4j(cursor.key(limiters)).tryConsume(1);
    }

    @Benchmark
    public boolean guava(Limiters limiters, Cursor cursor) {
        return limiters.guava(cursor.key(limiters)).tryAcquire();
    }

    @Benchmark
    public boolean resilience4j(Limiters limiters, Cursor cursor) {
        return limiters.resilience4j(cursor.key(limiters)).acquirePermission();
    }
}
