package dev.ratelimit.benchmarks;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.redis.RedisConfig;
import dev.ratelimit.redis.RedisConnection;
import dev.ratelimit.testkit.redis.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Synchronous callers, as a servlet container's request threads are: our Redis backend's blocking
 * {@code tryAcquire} against the minimal GCRA loop's blocking {@code EVALSHA} on a bare Lettuce
 * connection, and on one that shares writes as ours does (Netty's {@code
 * FlushConsolidationHandler}), at 1 thread (what sharing writes costs a lone caller: its command
 * is written one step later on the connection's thread) and at 64. One hot key, token bucket of
 * ten million per 366 days, rounds alternating as in {@link RedisLoadHarness}.
 *
 * <p>Arguments (optional): seconds per run (default 2), rounds (default 7).
 */
public final class RedisSyncCallersHarness {

    private static final String OURS = "ratelimit tryAcquire";
    private static final String BARE = "minimal GCRA loop, bare connection";
    private static final String SHARED = "minimal GCRA loop, writes shared";

    private RedisSyncCallersHarness() {}

    private static String at(int threads) {
        return ", " + threads + (threads == 1 ? " thread" : " threads");
    }

    public static void main(String[] args) throws Exception {
        Duration measure = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 2);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        Policy policy =
                Policy.of("bench", Limit.of(10_000_000L, Duration.ofDays(366)).tokenBucket());
        Limit limit = policy.limits().get(0);
        String[] minimalArgs = {
            Long.toString(limit.emissionIntervalMicros()),
            Long.toString(limit.capacity() * limit.emissionIntervalMicros())
        };
        String[] minimalKey = {"mn:{hot}:bench:0"};
        Load.Rounds results = new Load.Rounds();
        try (RedisServer server = RedisServer.start("--maxmemory-policy", "noeviction");
                RedisConnection ours = RedisConnection.open(RedisConfig.fromUrl(server.url()))) {
            ours.awaitConnection(Duration.ofSeconds(10));
            RedisClient bareClient = RedisLoadHarness.client(server, null, false);
            RedisClient sharedClient = RedisLoadHarness.client(server, null, true);
            try (RateLimiter limiter = RateLimiter.builder()
                            .policy(policy)
                            .backend(ours.rateLimitBackend())
                            .deadline(Duration.ofSeconds(10))
                            .blockCache(0)
                            .build();
                    StatefulRedisConnection<String, String> bareConnection = bareClient.connect(StringCodec.UTF8);
                    StatefulRedisConnection<String, String> sharedConnection = sharedClient.connect(StringCodec.UTF8)) {
                RedisCommands<String, String> bare = bareConnection.sync();
                RedisCommands<String, String> shared = sharedConnection.sync();
                String sha = bare.scriptLoad(RedisLoadHarness.minimalScript());
                Map<String, Load.Operation> modes = new LinkedHashMap<>();
                modes.put(OURS, (caller, seq) -> {
                    Decision d = limiter.tryAcquire("hot");
                    if (d.source() != Decision.Source.BACKEND || !d.allowed()) {
                        throw new IllegalStateException("unexpected decision " + d);
                    }
                });
                modes.put(BARE, (caller, seq) -> bare.evalsha(sha, ScriptOutputType.MULTI, minimalKey, minimalArgs));
                modes.put(
                        SHARED, (caller, seq) -> shared.evalsha(sha, ScriptOutputType.MULTI, minimalKey, minimalArgs));
                List<String> names = List.copyOf(modes.keySet());
                for (String name : names) {
                    Load.run(64, Duration.ofSeconds(5), Duration.ofMillis(100), modes.get(name));
                }
                int[] threadCounts = {1, 64};
                for (int round = 0; round < rounds; round++) {
                    for (int threads : threadCounts) {
                        for (int m = 0; m < names.size(); m++) {
                            String name = names.get((m + round) % names.size());
                            Load.Result r = Load.run(threads, Duration.ofSeconds(1), measure, modes.get(name));
                            results.add(round, name + at(threads), r, null);
                        }
                    }
                }
                System.out.println();
                System.out.println("Median of " + rounds + " alternating rounds, " + measure.toSeconds() + " s each:");
                System.out.println();
                Load.header().forEach(System.out::println);
                results.medianRows().forEach(System.out::println);
                System.out.println();
                System.out.println("Ratios, each round's runs paired (median, then lowest and highest of the rounds):");
                System.out.println();
                System.out.println(
                        "| threads | decisions/s, ratelimit / bare loop | decisions/s, ratelimit / loop sharing writes"
                                + " | decisions/s, loop sharing writes / bare loop |");
                System.out.println("| ---: | ---: | ---: | ---: |");
                for (int threads : threadCounts) {
                    String at = at(threads);
                    System.out.printf(
                            Locale.ROOT,
                            "| %d | %s | %s | %s |%n",
                            threads,
                            Load.Rounds.describe(results.pairedRatios(OURS + at, BARE + at), true),
                            Load.Rounds.describe(results.pairedRatios(OURS + at, SHARED + at), true),
                            Load.Rounds.describe(results.pairedRatios(SHARED + at, BARE + at), true));
                }
            } finally {
                bareClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
                sharedClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        }
    }
}
