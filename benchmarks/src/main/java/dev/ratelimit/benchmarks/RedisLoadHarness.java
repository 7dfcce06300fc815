package dev.ratelimit.benchmarks;

import static java.util.concurrent.CompletableFuture.completedFuture;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimitBackend;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.redis.RedisConfig;
import dev.ratelimit.redis.RedisConnection;
import dev.ratelimit.spi.Script;
import dev.ratelimit.testkit.redis.RedisServer;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.metrics.CommandLatencyRecorder;
import io.lettuce.core.protocol.ProtocolKeyword;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.NettyCustomizer;
import io.netty.channel.Channel;
import io.netty.handler.flush.FlushConsolidationHandler;
import java.lang.management.ManagementFactory;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Our Redis backend on one redis-server against two references and a peer, at 16 and 64
 * concurrent callers, on one hot key and on 100,000 keys:
 *
 * <ul>
 *   <li>the <b>minimal GCRA loop</b>, the physical reference: a bare Lettuce async loop sending
 *       {@code EVALSHA} of {@code minimal_gcra.lua} (the least a correct server-clock token bucket
 *       does: {@code TIME}, {@code GET}, {@code SET … PX}, two integers back), keys and arguments
 *       built once; and the same loop on a connection that shares writes as ours does (Netty's
 *       {@code FlushConsolidationHandler}), the physical reference on equal I/O;
 *   <li>the <b>own-script loop</b>, the client-layer reference: the same loop sending the
 *       script, keys and arguments our backend sends, on a connection that shares writes as ours
 *       does (Netty's {@code FlushConsolidationHandler}), so that it differs from ours only in the
 *       library's layer;
 *   <li>Bucket4j's Lettuce compare-and-swap backend, async.
 * </ul>
 *
 * <p>Each run reports decisions per second, latency, Redis commands per decision (our scripts'
 * {@code EVALSHA}s counted by the server's {@code INFO commandstats}; Bucket4j's counted as its
 * client sends them), <b>Redis CPU µs per decision</b> (the redis-server's {@code used_cpu_user +
 * used_cpu_sys} from {@code INFO cpu}, read when the measured time begins and ends), the script's
 * own execution time per decision ({@code INFO commandstats} {@code usec}), and <b>client CPU µs
 * per decision</b> (this JVM's process CPU time over the measured time: every thread, the Lettuce
 * I/O threads, JIT and GC included). Also Redis memory per key.
 *
 * <p>Every limiter is a token bucket of ten million per 366 days, so every request is admitted and
 * does the full work of an admission on a key that persists. Connection timeouts are 1 s for all.
 * Callers are asynchronous chains, each with one request in flight.
 *
 * <p>The runs alternate for a number of rounds, the order of the four rotated from round to round;
 * each is reported by its median round, and ratios pair the runs of one round.
 *
 * <p>Before the first round, every mode runs unmeasured on both key sets, so that the JIT compiler
 * has compiled each client's path before any round is measured (a JVM that has just started
 * measures its compiler, and the library's path, longer than a bare loop's, takes longer to
 * compile).
 *
 * <p>Arguments (optional): seconds to measure per run (default 1, after 1 s of warm-up), rounds
 * (default 5), callers (default {@code 16,64}), seconds of that first unmeasured warm-up in all
 * (default 40).
 */
public final class RedisLoadHarness {

    /**
     * Ten million per 366 days: never exhausted during a run, and an emission interval (3.2 s) long
     * enough that a key's state outlives the gap between its requests — keys are updated in place,
     * as for real callers, rather than expiring and being created again.
     */
    private static final long LOTS = 10_000_000L;

    private static final Duration PERIOD = Duration.ofDays(366);
    private static final Policy POLICY =
            Policy.of("bench", Limit.of(LOTS, PERIOD).tokenBucket());
    private static final int SPREAD = 100_000;
    private static final String OURS = "ratelimit";
    private static final String MINIMAL = "minimal GCRA loop";
    private static final String MINIMAL_SHARED = "minimal GCRA loop, writes shared";
    private static final String OWN = "own-script loop";
    private static final String BUCKET4J = "Bucket4j Lettuce (CAS)";

    /** Indexes of {@link Load.Rounds}' metrics. */
    private static final int CLIENT_CPU = 0;

    private static final int REDIS_CPU = 1;

    private RedisLoadHarness() {}

    /** Counts the commands a Lettuce client sends, by type. */
    static final class CommandCounter implements CommandLatencyRecorder {
        final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

        @Override
        public void recordCommandLatency(
                SocketAddress local, SocketAddress remote, ProtocolKeyword type, long first, long done) {
            counts.computeIfAbsent(type.toString(), k -> new LongAdder()).increment();
        }

        long total() {
            return counts.values().stream().mapToLong(LongAdder::sum).sum();
        }

        void reset() {
            counts.clear();
        }
    }

    /** One way of making a decision, as the load loop calls it. */
    private interface Mode {
        CompletionStage<?> decide(boolean hot, int caller, long sequence);
    }

    public static void main(String[] args) throws Exception {
        Duration measure = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 1);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int[] callerCounts = args.length > 2
                ? java.util.Arrays.stream(args[2].split(",", -1))
                        .mapToInt(Integer::parseInt)
                        .toArray()
                : new int[] {16, 64};
        Duration warmup = Duration.ofSeconds(1);
        Duration jvmWarmup = Duration.ofSeconds(args.length > 3 ? Long.parseLong(args[3]) : 40);
        String[] spread = new String[SPREAD];
        for (int i = 0; i < SPREAD; i++) {
            spread[i] = "k-" + i;
        }
        Load.Rounds results = new Load.Rounds();
        try (RedisServer server = RedisServer.start("--maxmemory-policy", "noeviction")) {
            RedisClient adminClient = RedisClient.create(RedisURI.create("127.0.0.1", server.port()));
            StatefulRedisConnection<String, String> adminConnection = adminClient.connect();
            RedisCommands<String, String> admin = adminConnection.sync();

            // Ours: the limiter's async API on the Redis backend, server clock.
            RedisConnection ours = RedisConnection.open(RedisConfig.fromUrl(server.url()));
            ours.awaitConnection(Duration.ofSeconds(10));
            RateLimiter limiter = RateLimiter.builder()
                    .policy(POLICY)
                    .backend(ours.rateLimitBackend())
                    .deadline(Duration.ofSeconds(10))
                    .blockCache(0)
                    .build();

            // The references: Lettuce loops with no layer of their own, keys and arguments built once. The own-script
            // loop
            // replays the script, keys and arguments our backend sends; keys of all three have
            // two-letter prefixes, so their names are as long.
            RedisClient rawClient = client(server, null, false);
            StatefulRedisConnection<String, String> rawConnection = rawClient.connect(StringCodec.UTF8);
            RedisAsyncCommands<String, String> raw = rawConnection.async();
            // A second connection shares writes as ours does: the minimal loop on it is the physical
            // reference on equal I/O, and the own-script loop on it differs from ours in the
            // library's layer alone.
            RedisClient sharedClient = client(server, null, true);
            StatefulRedisConnection<String, String> sharedConnection = sharedClient.connect(StringCodec.UTF8);
            RedisAsyncCommands<String, String> shared = sharedConnection.async();
            RecordingTransport recorder = new RecordingTransport(ours);
            RateLimitBackend.scripted(recorder)
                    .keyPrefix("ow")
                    .build()
                    .evaluate("hot", POLICY, 1)
                    .toCompletableFuture()
                    .get();
            RecordingTransport.Call call = recorder.last();
            Script own = call.script();
            raw.scriptLoad(own.source()).get();
            String[] ownArgs = call.args();
            String[] ownHot = call.keys();
            String[][] ownSpread = spreadKeys(ownHot[0], spread);
            String minimalSha = raw.scriptLoad(minimalScript()).get();
            Limit limit = POLICY.limits().get(0);
            String[] minimalArgs = {
                Long.toString(limit.emissionIntervalMicros()),
                Long.toString(limit.capacity() * limit.emissionIntervalMicros())
            };
            String[] minimalHot = {ownHot[0].replace("ow:", "mn:")};
            String[][] minimalSpread = spreadKeys(minimalHot[0], spread);

            // Bucket4j: its Lettuce compare-and-swap proxy manager, async, with its own counted client.
            CommandCounter bucket4jCommands = new CommandCounter();
            RedisClient bucket4jClient = client(server, bucket4jCommands, false);
            StatefulRedisConnection<byte[], byte[]> bucket4jConnection =
                    bucket4jClient.connect(ByteArrayCodec.INSTANCE);
            AsyncProxyManager<byte[]> bucket4j = Bucket4jLettuce.casBasedBuilder(bucket4jConnection)
                    .expirationAfterWrite(
                            ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
                    .build()
                    .asAsync();
            BucketConfiguration configuration = BucketConfiguration.builder()
                    .addLimit(l -> l.capacity(LOTS).refillGreedy(LOTS, PERIOD))
                    .build();
            AsyncBucketProxy hotBucket = bucket4j.builder()
                    .build("b4j:hot".getBytes(StandardCharsets.UTF_8), () -> completedFuture(configuration));
            AsyncBucketProxy[] spreadBuckets = new AsyncBucketProxy[SPREAD];
            for (int i = 0; i < SPREAD; i++) {
                spreadBuckets[i] = bucket4j.builder()
                        .build(
                                ("b4j:" + spread[i]).getBytes(StandardCharsets.UTF_8),
                                () -> completedFuture(configuration));
            }

            Map<String, Mode> modes = new LinkedHashMap<>();
            modes.put(
                    OURS,
                    (hot, caller, seq) -> limiter.tryAcquireAsync(hot ? "hot" : spread[pick(caller, seq)], 1)
                            .thenAccept(RedisLoadHarness::requireBackend));
            modes.put(MINIMAL, loop(raw, minimalSha, minimalHot, minimalSpread, minimalArgs));
            modes.put(MINIMAL_SHARED, loop(shared, minimalSha, minimalHot, minimalSpread, minimalArgs));
            modes.put(OWN, loop(shared, own.sha1(), ownHot, ownSpread, ownArgs));
            modes.put(
                    BUCKET4J,
                    (hot, caller, seq) -> (hot ? hotBucket : spreadBuckets[pick(caller, seq)])
                            .tryConsume(1)
                            .thenAccept(RedisLoadHarness::requireTrue));
            List<String> names = new ArrayList<>(modes.keySet());

            Duration each = jvmWarmup.dividedBy(2L * names.size());
            for (String name : names) {
                for (boolean hot : new boolean[] {true, false}) {
                    Mode mode = modes.get(name);
                    AsyncLoad.run(64, each, Duration.ofMillis(100), (caller, seq) -> mode.decide(hot, caller, seq));
                }
            }

            for (int round = 0; round < rounds; round++) {
                for (boolean hot : new boolean[] {true, false}) {
                    for (int callers : callerCounts) {
                        String where = where(hot, callers);
                        for (int m = 0; m < names.size(); m++) {
                            String name = names.get((m + round) % names.size());
                            Mode mode = modes.get(name);
                            admin.configResetstat();
                            bucket4jCommands.reset();
                            Meter meter = new Meter(admin);
                            Load.Result r = AsyncLoad.run(
                                    callers, warmup, measure, (caller, seq) -> mode.decide(hot, caller, seq), meter);
                            long commands = name.equals(BUCKET4J) ? bucket4jCommands.total() : evalCalls(admin);
                            double clientCpu = meter.clientMicros() / r.calls();
                            double redisCpu = meter.redisMicros() / r.calls();
                            results.add(
                                    round,
                                    name + ", " + where,
                                    r,
                                    String.format(
                                            Locale.ROOT,
                                            "%.2f | %.1f | %.1f | %.1f",
                                            commands / (double) r.allCalls(),
                                            redisCpu,
                                            scriptMicros(admin) / r.allCalls(),
                                            clientCpu),
                                    new double[] {clientCpu, redisCpu});
                        }
                    }
                }
            }

            System.out.println();
            System.out.println(
                    "Redis memory per key (100,000 keys each; INFO memory used_memory delta, and MEMORY USAGE of one key):");
            System.out.println();
            System.out.println("| keys of | bytes per key (used_memory delta) | MEMORY USAGE of one key |");
            System.out.println("| --- | ---: | ---: |");
            admin.flushall();
            memory(
                    admin,
                    "ratelimit token bucket",
                    "rl:{k-1}:bench:0",
                    i -> limiter.tryAcquireAsync(spread[i], 1).toCompletableFuture());
            memory(
                    admin,
                    "minimal GCRA script, same key name length",
                    minimalSpread[1][0],
                    i -> raw.evalsha(minimalSha, ScriptOutputType.MULTI, minimalSpread[i], minimalArgs)
                            .toCompletableFuture());
            memory(admin, "Bucket4j Lettuce", "b4j:k-1", i -> spreadBuckets[i].tryConsume(1));

            limiter.close();
            ours.close();
            rawConnection.close();
            rawClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            sharedConnection.close();
            sharedClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            bucket4jConnection.close();
            bucket4jClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            adminConnection.close();
            adminClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        System.out.println();
        System.out.println("Median of " + rounds + " alternating rounds, " + measure.toSeconds() + " s each:");
        System.out.println();
        Load.header(
                        "Redis commands per decision",
                        "Redis CPU µs per decision",
                        "script µs per decision",
                        "client CPU µs per decision")
                .forEach(System.out::println);
        results.medianRows().forEach(System.out::println);
        System.out.println();
        System.out.println("Ratios, each round's runs paired (median, then lowest and highest of the rounds):");
        System.out.println();
        System.out.println("| keys, callers | decisions/s, ratelimit / minimal loop | client CPU per decision, "
                + "ratelimit / minimal loop | Redis CPU per decision, ratelimit / minimal loop | "
                + "decisions/s, ratelimit / minimal loop sharing writes | client CPU per decision, ratelimit / "
                + "minimal loop sharing writes | decisions/s, ratelimit / own-script loop | decisions/s, "
                + "ratelimit / Bucket4j |");
        System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (boolean hot : new boolean[] {true, false}) {
            for (int callers : callerCounts) {
                String where = where(hot, callers);
                String ours = OURS + ", " + where;
                System.out.printf(
                        Locale.ROOT,
                        "| %s | %s | %s | %s | %s | %s | %s | %s |%n",
                        where,
                        Load.Rounds.describe(results.pairedRatios(ours, MINIMAL + ", " + where), true),
                        Load.Rounds.describe(results.pairedRatios(ours, MINIMAL + ", " + where, CLIENT_CPU), true),
                        Load.Rounds.describe(results.pairedRatios(ours, MINIMAL + ", " + where, REDIS_CPU), true),
                        Load.Rounds.describe(results.pairedRatios(ours, MINIMAL_SHARED + ", " + where), true),
                        Load.Rounds.describe(
                                results.pairedRatios(ours, MINIMAL_SHARED + ", " + where, CLIENT_CPU), true),
                        Load.Rounds.describe(results.pairedRatios(ours, OWN + ", " + where), true),
                        Load.Rounds.describe(results.pairedRatios(ours, BUCKET4J + ", " + where), false));
            }
        }
    }

    /**
     * The client's and the server's CPU time over the measured window: this JVM's process CPU time
     * and the redis-server's {@code used_cpu_user + used_cpu_sys}.
     */
    private static final class Meter implements AsyncLoad.Window {
        private static final com.sun.management.OperatingSystemMXBean OS =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        private final RedisCommands<String, String> admin;
        private long clientNanos;
        private double redisSeconds;

        Meter(RedisCommands<String, String> admin) {
            this.admin = admin;
        }

        @Override
        public void opened() {
            clientNanos = -OS.getProcessCpuTime();
            redisSeconds = -redisCpuSeconds(admin);
        }

        @Override
        public void closed() {
            clientNanos += OS.getProcessCpuTime();
            redisSeconds += redisCpuSeconds(admin);
        }

        double clientMicros() {
            return clientNanos / 1e3;
        }

        double redisMicros() {
            return redisSeconds * 1e6;
        }
    }

    private static double redisCpuSeconds(RedisCommands<String, String> admin) {
        double seconds = 0;
        for (String line : admin.info("cpu").lines().toList()) {
            if (line.startsWith("used_cpu_user:") || line.startsWith("used_cpu_sys:")) {
                seconds +=
                        Double.parseDouble(line.substring(line.indexOf(':') + 1).strip());
            }
        }
        return seconds;
    }

    private static String[][] spreadKeys(String hotKey, String[] spread) {
        String[][] keys = new String[spread.length][];
        for (int i = 0; i < spread.length; i++) {
            keys[i] = new String[] {hotKey.replace("{hot}", "{" + spread[i] + "}")};
        }
        return keys;
    }

    static String minimalScript() throws java.io.IOException {
        try (java.io.InputStream in = RedisLoadHarness.class.getResourceAsStream("minimal_gcra.lua")) {
            if (in == null) {
                throw new IllegalStateException("missing minimal_gcra.lua");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String where(boolean hot, int callers) {
        return (hot ? "one hot key" : "100,000 keys") + ", " + callers + (callers == 1 ? " caller" : " callers");
    }

    /** The spread key of a caller's request: a fixed permutation, so every key is visited. */
    private static int pick(int caller, long sequence) {
        return (int) ((sequence * 7_919 + caller * 104_729L) % SPREAD);
    }

    /** The microseconds Redis spent executing commands since the last reset: {@code INFO commandstats}' {@code usec}, but {@code INFO}'s. */
    private static double scriptMicros(RedisCommands<String, String> admin) {
        long micros = 0;
        for (String line : admin.info("commandstats").lines().toList()) {
            int at = line.indexOf(",usec=");
            if (line.startsWith("cmdstat_") && !line.startsWith("cmdstat_info:") && at > 0) {
                String rest = line.substring(at + 6);
                micros += Long.parseLong(rest.substring(0, rest.indexOf(',')));
            }
        }
        return micros;
    }

    /**
     * A bare Lettuce client, as Lettuce comes, or with {@code sharedWrites} with the library's one
     * change to the connection: Netty's {@code FlushConsolidationHandler}, 4 commands per write.
     */
    static RedisClient client(RedisServer server, CommandLatencyRecorder recorder, boolean sharedWrites) {
        // The library's connection records no latencies; neither do the bare loops.
        DefaultClientResources.Builder resources = DefaultClientResources.builder()
                .commandLatencyRecorder(recorder != null ? recorder : CommandLatencyRecorder.disabled());
        if (sharedWrites) {
            resources.nettyCustomizer(new NettyCustomizer() {
                @Override
                public void afterChannelInitialized(Channel channel) {
                    channel.pipeline().addFirst(new FlushConsolidationHandler(4, true));
                }
            });
        }
        RedisClient client = RedisClient.create(resources.build(), RedisURI.create("127.0.0.1", server.port()));
        client.setOptions(ClientOptions.builder()
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(Duration.ofSeconds(1))
                        .build())
                .timeoutOptions(TimeoutOptions.enabled(Duration.ofSeconds(1)))
                .build());
        return client;
    }

    /** A bare loop: {@code EVALSHA} of one script on {@code connection}, keys and arguments built once. */
    private static Mode loop(
            RedisAsyncCommands<String, String> connection,
            String sha,
            String[] hotKeys,
            String[][] spreadKeys,
            String[] args) {
        return (hot, caller, seq) ->
                connection.evalsha(sha, ScriptOutputType.MULTI, hot ? hotKeys : spreadKeys[pick(caller, seq)], args);
    }

    private static void requireBackend(Decision d) {
        if (d.source() != Decision.Source.BACKEND || !d.allowed()) {
            throw new IllegalStateException("unexpected decision " + d);
        }
    }

    private static void requireTrue(Boolean consumed) {
        if (!consumed) {
            throw new IllegalStateException("Bucket4j refused a token");
        }
    }

    private static long evalCalls(RedisCommands<String, String> admin) {
        long calls = 0;
        for (String line : admin.info("commandstats").lines().toList()) {
            if (line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:")) {
                String rest = line.substring(line.indexOf("calls=") + 6);
                calls += Long.parseLong(rest.substring(0, rest.indexOf(',')));
            }
        }
        return calls;
    }

    /** Creates the state of key number {@code i}. */
    private interface Fill {
        CompletableFuture<?> key(int i);
    }

    private static void memory(RedisCommands<String, String> admin, String name, String sampleKey, Fill fill)
            throws Exception {
        long before = usedMemory(admin);
        List<CompletableFuture<?>> window = new ArrayList<>();
        for (int i = 0; i < SPREAD; i++) {
            window.add(fill.key(i));
            if (window.size() == 1_000 || i == SPREAD - 1) {
                for (CompletableFuture<?> f : window) {
                    f.get(30, TimeUnit.SECONDS);
                }
                window.clear();
            }
        }
        long after = usedMemory(admin);
        Long sample = admin.memoryUsage(sampleKey);
        System.out.printf(
                Locale.ROOT,
                "| %s | %.1f | %s |%n",
                name,
                (after - before) / (double) SPREAD,
                sample == null ? "(no key " + sampleKey + ")" : sample + " B (`" + sampleKey + "`)");
        admin.flushall();
    }

    private static long usedMemory(RedisCommands<String, String> admin) {
        for (String line : admin.info("memory").lines().toList()) {
            if (line.startsWith("used_memory:")) {
                return Long.parseLong(line.substring("used_memory:".length()).strip());
            }
        }
        throw new IllegalStateException("no used_memory in INFO memory");
    }
}
