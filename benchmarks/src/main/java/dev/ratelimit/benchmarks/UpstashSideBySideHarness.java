package dev.ratelimit.benchmarks;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.testkit.redis.RedisServer;
import dev.ratelimit.upstash.UpstashConfig;
import dev.ratelimit.upstash.UpstashConnection;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Our Upstash backend against {@code @upstash/ratelimit} (2.2.0, on {@code @upstash/redis} 1.39.0
 * with its auto-pipelining) through the same Upstash-compatible server (in a JVM of its own, so
 * that neither client shares its process) in front of one redis-server, all on this machine: 64 callers each with one decision in flight (ours:
 * asynchronous chains on {@code tryAcquireAsync}; theirs: 64 async functions on Node's event
 * loop, {@code benchmarks/upstash-js/load.mjs}), 1,000 keys, a token bucket of ten million per 366
 * days for both. Ours first runs unmeasured for a minute: a JVM that has just started is still
 * compiling the client for tens of seconds (measured: from 6,000–8,000 decisions/s in its first ten
 * seconds to a steady 25,000–30,000 after a minute), and steady state is what a running service
 * sees; Node starts afresh for each run with 2 s of warm-up (the sixth argument changes it). Then the two alternate for a number of rounds, and ratios
 * pair the runs of one round. Each run also reports the Redis script calls ({@code EVALSHA},
 * {@code EVAL}, counted by {@code INFO commandstats}) per decision, warm-up included: what Upstash
 * bills by.
 *
 * <p>Needs {@code node} on the {@code PATH} and {@code npm install} run in
 * {@code benchmarks/upstash-js}. Arguments (optional): seconds to measure per run (default 5, after
 * 2 s of warm-up), rounds (default 3), the directory of {@code load.mjs} (default
 * {@code benchmarks/upstash-js}), our maximum batch size (default, or 0: the library's), the
 * seconds of our unmeasured first run (default 60), Node's warm-up seconds per run (default 2).
 */
public final class UpstashSideBySideHarness {

    private static final int CALLERS = 64;
    private static final int KEYS = 1_000;
    private static final Policy POLICY =
            Policy.of("bench", Limit.of(10_000_000L, Duration.ofDays(366)).tokenBucket());
    private static final Pattern RATE =
            Pattern.compile("\"decisionsPerSecond\":([0-9.]+),\"errors\":([0-9]+),\"denied\":[0-9]+,\"all\":([0-9]+)");

    private UpstashSideBySideHarness() {}

    public static void main(String[] args) throws Exception {
        Duration measure = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 5);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        File js = new File(args.length > 2 ? args[2] : "benchmarks/upstash-js");
        int batchSize = args.length > 3 ? Integer.parseInt(args[3]) : 0;
        Duration jvmWarmup = Duration.ofSeconds(args.length > 4 ? Long.parseLong(args[4]) : 60);
        Duration nodeWarmup = Duration.ofSeconds(args.length > 5 ? Long.parseLong(args[5]) : 2);
        if (!new File(js, "node_modules/@upstash/ratelimit").isDirectory()) {
            throw new IllegalStateException("run `npm install` in " + js + " first");
        }
        Duration warmup = Duration.ofSeconds(2);
        double[] ours = new double[rounds];
        double[] theirs = new double[rounds];
        double[] oursScripts = new double[rounds];
        double[] theirsScripts = new double[rounds];
        try (RedisServer redis = RedisServer.start();
                UpstashServerProcess server = UpstashServerProcess.start(redis.url(), "bench-token")) {
            RedisClient adminClient = RedisClient.create(RedisURI.create("127.0.0.1", redis.port()));
            RedisCommands<String, String> admin = adminClient.connect().sync();
            // Node starts afresh for each of its runs and compiles within its warm-up; a JVM needs
            // longer than that, so ours gets one long unmeasured run first.
            ours(server, Duration.ZERO, jvmWarmup, batchSize);
            for (int round = 0; round < rounds; round++) {
                for (int side = 0; side < 2; side++) {
                    boolean oursFirst = round % 2 == 0;
                    admin.configResetstat();
                    if ((side == 0) == oursFirst) {
                        Run run = ours(server, warmup, measure, batchSize);
                        ours[round] = run.perSecond();
                        oursScripts[round] = scriptsPerDecision(admin, run);
                        System.out.printf(
                                Locale.ROOT,
                                "round %d: ratelimit: %,.0f decisions/s, %.3f Redis script calls per decision%n",
                                round + 1,
                                ours[round],
                                oursScripts[round]);
                    } else {
                        Run run = theirs(server, js, nodeWarmup, measure);
                        theirs[round] = run.perSecond();
                        theirsScripts[round] = scriptsPerDecision(admin, run);
                        System.out.printf(
                                Locale.ROOT,
                                "round %d: @upstash/ratelimit: %,.0f decisions/s, %.3f Redis script calls per decision%n",
                                round + 1,
                                theirs[round],
                                theirsScripts[round]);
                    }
                }
            }
            adminClient.shutdown();
        }
        double[] ratios = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            ratios[i] = ours[i] / theirs[i];
        }
        Arrays.sort(ratios);
        System.out.println();
        System.out.printf(
                Locale.ROOT,
                "%d callers, %d keys, median of %d rounds: ratelimit %,.0f decisions/s, @upstash/ratelimit %,.0f;"
                        + " ratelimit / @upstash/ratelimit, paired: %s%n",
                CALLERS,
                KEYS,
                rounds,
                median(ours),
                median(theirs),
                Load.Rounds.describe(ratios, false));
        System.out.printf(
                Locale.ROOT,
                "Redis script calls (EVALSHA, EVAL) per decision, median: ratelimit %.3f, @upstash/ratelimit %.3f%n",
                median(oursScripts),
                median(theirsScripts));
    }

    /** One run: the decisions per second measured, and every decision made, warm-up included. */
    private record Run(double perSecond, long allDecisions) {}

    /** {@code EVALSHA} and {@code EVAL} calls since the last reset of the statistics, per decision. */
    private static double scriptsPerDecision(RedisCommands<String, String> admin, Run run) {
        long scripts = 0;
        for (String line : admin.info("commandstats").lines().toList()) {
            if (line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:")) {
                int at = line.indexOf("calls=") + "calls=".length();
                scripts += Long.parseLong(line.substring(at, line.indexOf(',', at)));
            }
        }
        return scripts / (double) run.allDecisions();
    }

    private static Run ours(UpstashServerProcess server, Duration warmup, Duration measure, int batchSize)
            throws Exception {
        UpstashConfig.Builder config = UpstashConfig.builder(server.url(), server.token());
        if (batchSize > 0) {
            config.maxBatchSize(batchSize);
        }
        try (UpstashConnection backend = UpstashConnection.open(config.build());
                RateLimiter limiter = RateLimiter.builder()
                        .policy(POLICY)
                        .backend(backend.rateLimitBackend())
                        .deadline(Duration.ofSeconds(10))
                        .blockCache(0)
                        .build()) {
            Load.Result r = AsyncLoad.run(
                    CALLERS,
                    warmup,
                    measure,
                    (caller, seq) -> limiter.tryAcquireAsync("k-" + (seq * CALLERS + caller) % KEYS, 1)
                            .thenAccept(d -> {
                                if (d.source() != Decision.Source.BACKEND || !d.allowed()) {
                                    throw new IllegalStateException("unexpected decision " + d);
                                }
                            }));
            if (r.errors() > 0) {
                throw new IllegalStateException(r.errors() + " failed decisions");
            }
            return new Run(r.perSecond(), r.allCalls());
        }
    }

    private static Run theirs(UpstashServerProcess server, File js, Duration warmup, Duration measure)
            throws Exception {
        ProcessBuilder builder = new ProcessBuilder(
                        "node",
                        "load.mjs",
                        Integer.toString(CALLERS),
                        Long.toString(warmup.toSeconds()),
                        Long.toString(measure.toSeconds()),
                        Integer.toString(KEYS))
                .directory(js)
                .redirectErrorStream(true);
        builder.environment().put("UPSTASH_REDIS_REST_URL", server.url());
        builder.environment().put("UPSTASH_REDIS_REST_TOKEN", server.token());
        Process node = builder.start();
        String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (node.waitFor() != 0) {
            throw new IllegalStateException("node failed: " + output);
        }
        Matcher m = RATE.matcher(output);
        if (!m.find() || !m.group(2).equals("0")) {
            throw new IllegalStateException("unexpected output of load.mjs: " + output);
        }
        return new Run(Double.parseDouble(m.group(1)), Long.parseLong(m.group(3)));
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
