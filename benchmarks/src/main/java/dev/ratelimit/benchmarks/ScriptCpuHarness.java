package dev.ratelimit.benchmarks;

import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimitBackend;
import dev.ratelimit.redis.RedisConfig;
import dev.ratelimit.redis.RedisConnection;
import dev.ratelimit.testkit.redis.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Redis CPU per call of the rate-limit scripts alone, without our client: {@code redis-benchmark
 * -c 1 -P 32} sends {@code EVALSHA} of one script, with the keys and arguments our backend sends,
 * to a redis-server of its own, on one hot key and on 100,000 keys ({@code -r 100000}). The
 * scripts: the minimal GCRA script of {@link RedisLoadHarness} (the reference), ours for a
 * one-limit token bucket, for a one-limit fixed window of 5 per hour, and for the policy "5 per
 * hour and 1 per 10 s" (two fixed windows). Each call's server CPU is the redis-server's
 * {@code used_cpu_user + used_cpu_sys} ({@code INFO cpu}) over the run, divided by the calls; the
 * script's own time is {@code INFO commandstats}' {@code usec} per call. The runs alternate for a
 * number of rounds; each figure is the median round, and ratios pair the runs of one round.
 *
 * <p>Needs {@code redis-benchmark} on the {@code PATH}. Arguments (optional): calls per run
 * (default 200,000), rounds (default 5).
 */
public final class ScriptCpuHarness {

    private static final long LOTS = 10_000_000L;

    private ScriptCpuHarness() {}

    /** One script as sent: its source, keys (with {@code {hot}} as the hash tag) and arguments. */
    private record Variant(String source, List<String> keys, List<String> args) {}

    public static void main(String[] arguments) throws Exception {
        int calls = arguments.length > 0 ? Integer.parseInt(arguments[0]) : 200_000;
        int rounds = arguments.length > 1 ? Integer.parseInt(arguments[1]) : 5;
        Map<String, Variant> variants = new LinkedHashMap<>();
        Policy bucket = Policy.of("bench", Limit.of(LOTS, Duration.ofDays(366)).tokenBucket());
        Limit bucketLimit = bucket.limits().get(0);
        Map<String, double[][]> figures = new LinkedHashMap<>();
        try (RedisServer server = RedisServer.start("--maxmemory-policy", "noeviction")) {
            try (RedisConnection connection = RedisConnection.open(RedisConfig.fromUrl(server.url()))) {
                connection.awaitConnection(Duration.ofSeconds(10));
                variants.put(
                        "minimal GCRA script",
                        new Variant(
                                minimalScript(),
                                List.of("mn:{hot}:bench:0"),
                                List.of(
                                        Long.toString(bucketLimit.emissionIntervalMicros()),
                                        Long.toString(bucketLimit.capacity() * bucketLimit.emissionIntervalMicros()))));
                variants.put("ratelimit, token bucket", recorded(connection, bucket));
                variants.put("ratelimit, 5 per hour", recorded(connection, Policy.of("bench", Limit.perHour(5))));
                variants.put(
                        "ratelimit, 5 per hour and 1 per 10 s",
                        recorded(
                                connection, Policy.of("bench", Limit.perHour(5), Limit.of(1, Duration.ofSeconds(10)))));
            }
            RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", server.port()));
            try (StatefulRedisConnection<String, String> admin = client.connect()) {
                RedisCommands<String, String> redis = admin.sync();
                Map<String, String> shas = new LinkedHashMap<>();
                variants.forEach((name, v) -> shas.put(name, redis.scriptLoad(v.source())));
                for (int round = 0; round < rounds; round++) {
                    for (boolean hot : new boolean[] {true, false}) {
                        for (Map.Entry<String, Variant> e : variants.entrySet()) {
                            Variant v = e.getValue();
                            redis.flushall();
                            redis.configResetstat();
                            double before = cpuSeconds(redis);
                            List<String> command = new ArrayList<>(List.of(
                                    "redis-benchmark",
                                    "-p",
                                    Integer.toString(server.port()),
                                    "-c",
                                    "1",
                                    "-P",
                                    "32",
                                    "-n",
                                    Integer.toString(calls),
                                    "-q"));
                            if (!hot) {
                                command.addAll(List.of("-r", "100000"));
                            }
                            command.addAll(List.of(
                                    "EVALSHA",
                                    shas.get(e.getKey()),
                                    Integer.toString(v.keys().size())));
                            for (String key : v.keys()) {
                                command.add(hot ? key : key.replace("{hot}", "{k-__rand_int__}"));
                            }
                            command.addAll(v.args());
                            Process p = new ProcessBuilder(command)
                                    .redirectErrorStream(true)
                                    .start();
                            byte[] output = p.getInputStream().readAllBytes();
                            if (p.waitFor() != 0) {
                                throw new IllegalStateException(
                                        "redis-benchmark failed: " + new String(output, StandardCharsets.UTF_8));
                            }
                            double after = cpuSeconds(redis);
                            long[] stat = evalsha(redis);
                            String where = e.getKey() + (hot ? ", one hot key" : ", 100,000 keys");
                            double[] f = {(after - before) * 1e6 / stat[0], stat[1] / (double) stat[0]};
                            figures.computeIfAbsent(where, k -> new double[rounds][])[round] = f;
                            System.out.printf(
                                    Locale.ROOT,
                                    "round %d: %s: %.2f µs Redis CPU, %.2f µs in the script, per call (%d calls)%n",
                                    round + 1,
                                    where,
                                    f[0],
                                    f[1],
                                    stat[0]);
                        }
                    }
                }
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        }
        System.out.println();
        System.out.println("Median of " + rounds + " alternating rounds, " + calls + " calls each "
                + "(ratios: each round's runs paired, median, then lowest and highest):");
        System.out.println();
        System.out.println("| script | keys | Redis CPU µs per call | script µs per call (commandstats) "
                + "| Redis CPU / minimal GCRA script | Redis CPU / the one-limit 5 per hour |");
        System.out.println("| --- | --- | ---: | ---: | ---: | ---: |");
        for (boolean hot : new boolean[] {true, false}) {
            String where = hot ? ", one hot key" : ", 100,000 keys";
            for (String name : variants.keySet()) {
                double[][] f = figures.get(name + where);
                System.out.printf(
                        Locale.ROOT,
                        "| %s | %s | %.2f | %.2f | %s | %s |%n",
                        name,
                        hot ? "one hot key" : "100,000 keys",
                        median(f, 0),
                        median(f, 1),
                        ratios(f, figures.get("minimal GCRA script" + where)),
                        ratios(f, figures.get("ratelimit, 5 per hour" + where)));
            }
        }
    }

    /** The script, keys and arguments our backend sends for one request for {@code policy} on key "hot". */
    private static Variant recorded(RedisConnection connection, Policy policy) throws Exception {
        RecordingTransport recorder = new RecordingTransport(connection);
        RateLimitBackend.scripted(recorder)
                .build()
                .evaluate("hot", policy, 1)
                .toCompletableFuture()
                .get();
        RecordingTransport.Call call = recorder.last();
        return new Variant(call.script().source(), List.of(call.keys()), List.of(call.args()));
    }

    private static double median(double[][] rounds, int figure) {
        double[] values =
                Arrays.stream(rounds).mapToDouble(r -> r[figure]).sorted().toArray();
        return values[values.length / 2];
    }

    private static String ratios(double[][] a, double[][] b) {
        double[] ratios = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            ratios[i] = a[i][0] / b[i][0];
        }
        Arrays.sort(ratios);
        return String.format(
                Locale.ROOT, "%.2f (%.2f–%.2f)", ratios[ratios.length / 2], ratios[0], ratios[ratios.length - 1]);
    }

    private static double cpuSeconds(RedisCommands<String, String> redis) {
        double seconds = 0;
        for (String line : redis.info("cpu").lines().toList()) {
            if (line.startsWith("used_cpu_user:") || line.startsWith("used_cpu_sys:")) {
                seconds +=
                        Double.parseDouble(line.substring(line.indexOf(':') + 1).strip());
            }
        }
        return seconds;
    }

    /** {@code EVALSHA}'s calls and microseconds since the last reset. */
    private static long[] evalsha(RedisCommands<String, String> redis) {
        for (String line : redis.info("commandstats").lines().toList()) {
            if (line.startsWith("cmdstat_evalsha:")) {
                long[] stat = new long[2];
                for (String field : line.substring(line.indexOf(':') + 1).split(",", -1)) {
                    if (field.startsWith("calls=")) {
                        stat[0] = Long.parseLong(field.substring(6));
                    } else if (field.startsWith("usec=")) {
                        stat[1] = Long.parseLong(field.substring(5));
                    }
                }
                return stat;
            }
        }
        throw new IllegalStateException("no EVALSHA in INFO commandstats");
    }

    private static String minimalScript() throws IOException {
        try (InputStream in = RedisLoadHarness.class.getResourceAsStream("minimal_gcra.lua")) {
            if (in == null) {
                throw new IllegalStateException("missing minimal_gcra.lua");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
