package dev.ratelimit.benchmarks;

import static java.util.concurrent.CompletableFuture.completedFuture;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.redis.RedisConfig;
import dev.ratelimit.redis.RedisConnection;
import dev.ratelimit.testkit.redis.RedisServer;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * Lease mode on one hot key at 64 callers, against the plain Redis backend and Bucket4j's Lettuce
 * backend, on one redis-server: decisions per second, Redis commands per 1,000 decisions and Redis
 * CPU per decision (both from the server's {@code INFO commandstats}, reset before each run).
 *
 * <p>Every limiter is a fixed window of ten billion per 366 days, so every request is admitted;
 * each run has a key of its own. Lease mode: slices of at most 1,000 permits, living at most 1 s.
 * Callers: lease mode and one row of the plain backend as 64 threads calling {@code tryAcquire} (a
 * leased decision completes on the caller's thread, so an asynchronous chain would only recurse);
 * the plain backend and Bucket4j also as 64 asynchronous chains, each with one request in flight,
 * which is their best (as in {@link RedisLoadHarness}).
 *
 * <p>Runs alternate for a number of rounds; each is reported by its median round.
 *
 * <p>Arguments (optional): seconds to measure per run (default 2, after 1 s of warm-up), rounds
 * (default 5).
 */
public final class LeaseLoadHarness {

    private static final long LOTS = 10_000_000_000L;
    private static final Duration PERIOD = Duration.ofDays(366);
    private static final Policy POLICY = Policy.of("leasebench", Limit.of(LOTS, PERIOD));
    private static final int CALLERS = 64;

    private LeaseLoadHarness() {}

    public static void main(String[] args) throws Exception {
        Duration measure = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 2);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Duration warmup = Duration.ofSeconds(1);
        Load.Rounds results = new Load.Rounds();
        try (RedisServer server = RedisServer.start("--maxmemory-policy", "noeviction")) {
            RedisClient adminClient = RedisClient.create(RedisURI.create("127.0.0.1", server.port()));
            StatefulRedisConnection<String, String> adminConnection = adminClient.connect();
            RedisCommands<String, String> admin = adminConnection.sync();

            RedisConnection ours = RedisConnection.open(RedisConfig.fromUrl(server.url()));
            ours.awaitConnection(Duration.ofSeconds(10));
            RateLimiter plain = RateLimiter.builder()
                    .policy(POLICY)
                    .backend(ours.rateLimitBackend())
                    .deadline(Duration.ofSeconds(10))
                    .blockCache(0)
                    .build();
            RateLimiter leased = RateLimiter.builder()
                    .policy(POLICY)
                    .backend(ours.rateLimitBackend())
                    .deadline(Duration.ofSeconds(10))
                    .leases(1_000, Duration.ofSeconds(1))
                    .build();

            RedisClient bucket4jClient = RedisClient.create(RedisURI.create("127.0.0.1", server.port()));
            StatefulRedisConnection<byte[], byte[]> bucket4jConnection =
                    bucket4jClient.connect(ByteArrayCodec.INSTANCE);
            AsyncProxyManager<byte[]> bucket4j = Bucket4jLettuce.casBasedBuilder(bucket4jConnection)
                    .expirationAfterWrite(
                            ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
                    .build()
                    .asAsync();
            BucketConfiguration configuration = BucketConfiguration.builder()
                    .addLimit(limit -> limit.capacity(LOTS).refillGreedy(LOTS, PERIOD))
                    .build();

            for (int round = 0; round < rounds; round++) {
                String key = "hot-" + round;

                admin.configResetstat();
                Load.Result r = Load.run(CALLERS, warmup, measure, (caller, seq) -> {
                    Decision d = leased.tryAcquire(key + "-lease");
                    if (!d.allowed()) {
                        throw new IllegalStateException("unexpected decision " + d);
                    }
                });
                results.add(round, "ratelimit lease mode, 64 threads", r, perThousand(admin, r));

                admin.configResetstat();
                r = Load.run(CALLERS, warmup, measure, (caller, seq) -> {
                    Decision d = plain.tryAcquire(key + "-plain-threads");
                    if (!d.allowed()) {
                        throw new IllegalStateException("unexpected decision " + d);
                    }
                });
                results.add(round, "ratelimit plain, 64 threads", r, perThousand(admin, r));

                admin.configResetstat();
                r = AsyncLoad.run(
                        CALLERS,
                        warmup,
                        measure,
                        (caller, seq) -> plain.tryAcquireAsync(key + "-plain").thenAccept(d -> {
                            if (!d.allowed() || d.source() != Decision.Source.BACKEND) {
                                throw new IllegalStateException("unexpected decision " + d);
                            }
                        }));
                results.add(round, "ratelimit plain, 64 async chains", r, perThousand(admin, r));

                AsyncBucketProxy bucket = bucket4j.builder()
                        .build(("b4j:" + key).getBytes(StandardCharsets.UTF_8), () -> completedFuture(configuration));
                admin.configResetstat();
                r = AsyncLoad.run(
                        CALLERS,
                        warmup,
                        measure,
                        (caller, seq) -> bucket.tryConsume(1).thenAccept(consumed -> {
                            if (!consumed) {
                                throw new IllegalStateException("Bucket4j refused a token");
                            }
                        }));
                results.add(round, "Bucket4j Lettuce (CAS), 64 async chains", r, perThousand(admin, r));
            }

            leased.close();
            plain.close();
            ours.close();
            bucket4jConnection.close();
            bucket4jClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            adminConnection.close();
            adminClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        System.out.println();
        System.out.println("One hot key, 64 callers; median of " + rounds + " alternating rounds, "
                + measure.toSeconds() + " s each:");
        System.out.println();
        Load.header("Redis commands per 1,000 decisions", "of which EVALSHA/EVAL", "Redis CPU µs per decision")
                .forEach(System.out::println);
        results.medianRows().forEach(System.out::println);
        System.out.println();
        System.out.println("Decisions/s ratios, each round's runs paired (median, then lowest and highest):");
        System.out.println();
        String lease = "ratelimit lease mode, 64 threads";
        for (String other : new String[] {
            "ratelimit plain, 64 threads", "ratelimit plain, 64 async chains", "Bucket4j Lettuce (CAS), 64 async chains"
        }) {
            System.out.printf(
                    Locale.ROOT,
                    "- lease mode / %s: %s%n",
                    other,
                    Load.Rounds.describe(results.pairedRatios(lease, other), false));
        }
    }

    /**
     * Redis commands per 1,000 decisions — all of them, as {@code INFO commandstats} counts them
     * since the last reset (a script's own {@code TIME}, {@code GET} and {@code SET} included,
     * without the harness's {@code INFO} and {@code CONFIG}), and of those the {@code EVALSHA} and
     * {@code EVAL} calls, one per round trip of ours — and the microseconds Redis spent executing
     * commands per decision.
     */
    private static String perThousand(RedisCommands<String, String> admin, Load.Result r) {
        long calls = 0;
        long scripts = 0;
        long micros = 0;
        for (String line : admin.info("commandstats").lines().toList()) {
            if (!line.startsWith("cmdstat_") || line.startsWith("cmdstat_info:") || line.startsWith("cmdstat_config")) {
                continue;
            }
            calls += field(line, "calls=");
            micros += field(line, "usec=");
            if (line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:")) {
                scripts += field(line, "calls=");
            }
        }
        return String.format(
                Locale.ROOT,
                "%.2f | %.2f | %.3f",
                1_000.0 * calls / (double) r.allCalls(),
                1_000.0 * scripts / (double) r.allCalls(),
                micros / (double) r.allCalls());
    }

    private static long field(String line, String name) {
        int at = line.indexOf(name) + name.length();
        int end = line.indexOf(',', at);
        return Long.parseLong(line.substring(at, end < 0 ? line.length() : end));
    }
}
