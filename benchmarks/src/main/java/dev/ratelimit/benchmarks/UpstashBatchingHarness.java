package dev.ratelimit.benchmarks;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.testkit.redis.RedisServer;
import dev.ratelimit.testkit.redis.UpstashCompatibleServer;
import dev.ratelimit.upstash.UpstashConfig;
import dev.ratelimit.upstash.UpstashConnection;
import java.time.Duration;
import java.util.Locale;

/**
 * Upstash auto-batching, on versus off, in one run: decisions per second with 64 concurrent callers
 * and the latency of a lone caller, through the testkit's Upstash-compatible server in front of a
 * real redis-server on this machine. The configurations alternate for five rounds and the median
 * round of each is reported, which keeps a noisy machine from favouring either.
 *
 * <p>Arguments (optional): seconds to measure per run (default 5).
 */
public final class UpstashBatchingHarness {

    private static final Policy POLICY = Policy.of("bench", Limit.perHour(1_000_000_000L));
    private static final int ROUNDS = 5;

    private UpstashBatchingHarness() {}

    public static void main(String[] args) throws Exception {
        Duration measure = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 5);
        Duration warmup = Duration.ofSeconds(2);
        Load.Rounds rounds = new Load.Rounds();
        try (RedisServer redis = RedisServer.start();
                UpstashCompatibleServer server = UpstashCompatibleServer.start(redis.url(), "bench-token")) {
            for (int round = 0; round < ROUNDS; round++) {
                for (int callers : new int[] {64, 1}) {
                    for (boolean batching : new boolean[] {true, false}) {
                        String name = "batching " + (batching ? "on" : "off") + ", " + callers
                                + (callers == 1 ? " caller" : " callers");
                        UpstashConfig config = UpstashConfig.builder(server.url(), server.token())
                                .batching(batching)
                                .build();
                        try (UpstashConnection backend = UpstashConnection.open(config);
                                RateLimiter limiter = RateLimiter.builder()
                                        .policy(POLICY)
                                        .backend(backend.rateLimitBackend())
                                        .deadline(Duration.ofSeconds(10))
                                        .build()) {
                            long requestsBefore = server.requests();
                            Load.Result r = Load.run(callers, warmup, measure, (caller, seq) -> {
                                Decision d = limiter.tryAcquire("client-" + (seq * 64 + caller) % 1000);
                                if (d.source() != Decision.Source.BACKEND) {
                                    throw new IllegalStateException("not from Upstash: " + d);
                                }
                            });
                            double perRequest = (double) r.allCalls() / Math.max(1, server.requests() - requestsBefore);
                            rounds.add(round, name, r, String.format(Locale.ROOT, "%.1f", perRequest));
                        }
                    }
                }
            }
        }
        System.out.println();
        System.out.println("Median of " + ROUNDS + " alternating rounds, " + measure.toSeconds() + " s each:");
        System.out.println();
        Load.header("decisions per HTTP request").forEach(System.out::println);
        rounds.medianRows().forEach(System.out::println);
        System.out.println();
        System.out.println("Batching on / off, decisions/s, each round's runs paired (median, lowest–highest):");
        System.out.println("64 callers: "
                + Load.Rounds.describe(
                        rounds.pairedRatios("batching on, 64 callers", "batching off, 64 callers"), false));
        System.out.println("1 caller:   "
                + Load.Rounds.describe(rounds.pairedRatios("batching on, 1 caller", "batching off, 1 caller"), true));
    }
}
