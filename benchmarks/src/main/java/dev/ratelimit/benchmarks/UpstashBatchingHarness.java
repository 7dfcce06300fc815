package dev.ratelimit.benchmarks;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.testkit.RedisServer;
import dev.ratelimit.testkit.UpstashCompatibleServer;
import dev.ratelimit.upstash.UpstashConfig;
import dev.ratelimit.upstash.UpstashRateLimitBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Upstash auto-batching, on versus off, in one run: decisions per second with 64 concurrent callers
 * and the latency of a lone caller, through the testkit's Upstash-compatible server in front of a
 * real redis-server on this machine. The configurations alternate for three rounds and the median
 * round of each is reported, which keeps a noisy machine from favouring either.
 *
 * <p>Arguments (optional): seconds to measure per run (default 5).
 */
public final class UpstashBatchingHarness {

    private static final Policy POLICY = Policy.of("bench", Limit.perHour(1_000_000_000L));
    private static final int ROUNDS = 3;

    private UpstashBatchingHarness() {
    }

    public static void main(String[] args) throws Exception {
        Duration measure = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 5);
        Duration warmup = Duration.ofSeconds(2);
        Map<String, List<String[]>> rounds = new LinkedHashMap<>();
        try (RedisServer redis = RedisServer.start();
                UpstashCompatibleServer server = UpstashCompatibleServer.start(redis.url(), "bench-token")) {
            for (int round = 0; round < ROUNDS; round++) {
                for (int callers : new int[] {64, 1}) {
                    for (boolean batching : new boolean[] {true, false}) {
                        String name = "batching " + (batching ? "on" : "off") + ", " + callers
                                + (callers == 1 ? " caller" : " callers");
                        UpstashConfig config = UpstashConfig.builder(server.url(), server.token())
                                .batching(batching).build();
                        try (UpstashRateLimitBackend backend = UpstashRateLimitBackend.builder(config).build();
                                RateLimiter limiter = RateLimiter.builder().policy(POLICY).backend(backend)
                                        .deadline(Duration.ofSeconds(10)).build()) {
                            long requestsBefore = server.requests();
                            Load.Result r = Load.run(callers, warmup, measure, (caller, seq) -> {
                                Decision d = limiter.tryAcquire("client-" + (seq * 64 + caller) % 1000);
                                if (d.source() != Decision.Source.BACKEND) {
                                    throw new IllegalStateException("not from Upstash: " + d);
                                }
                            });
                            double perRequest = (double) r.allCalls() / Math.max(1, server.requests() - requestsBefore);
                            String row = Load.row(name, r, String.format(Locale.ROOT, "%.1f", perRequest));
                            System.out.println("round " + (round + 1) + ": " + row);
                            rounds.computeIfAbsent(name, k -> new ArrayList<>())
                                    .add(new String[] {Double.toString(r.perSecond()), row});
                        }
                    }
                }
            }
        }
        System.out.println();
        System.out.println("Median of " + ROUNDS + " alternating rounds, " + measure.toSeconds() + " s each:");
        System.out.println();
        Load.header("decisions per HTTP request").forEach(System.out::println);
        Map<String, Double> medians = new LinkedHashMap<>();
        rounds.forEach((name, runs) -> {
            runs.sort(Comparator.comparingDouble(r -> Double.parseDouble(r[0])));
            String[] median = runs.get(runs.size() / 2);
            medians.put(name, Double.parseDouble(median[0]));
            System.out.println(median[1]);
        });
        System.out.println();
        System.out.printf(Locale.ROOT, "64 callers: batching on / off = %.1fx%n",
                medians.get("batching on, 64 callers") / medians.get("batching off, 64 callers"));
    }
}
