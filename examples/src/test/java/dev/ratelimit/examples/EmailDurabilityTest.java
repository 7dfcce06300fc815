package dev.ratelimit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.EmailStore;
import dev.ratelimit.email.AddResult;
import dev.ratelimit.email.EmailPage;
import dev.ratelimit.email.EmailRecord;
import dev.ratelimit.redis.RedisConfig;
import dev.ratelimit.redis.RedisConnection;
import dev.ratelimit.testkit.redis.RedisServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** No captured address is lost or stored twice across a Redis crash, or a crash of the process itself. */
class EmailDurabilityTest {

    @TempDir
    Path spoolDir;

    /** Redis that keeps what it acknowledged across a kill -9: every write is in the AOF before the reply. */
    private static RedisServer durableRedis() {
        return RedisServer.start("--appendonly", "yes", "--appendfsync", "always");
    }

    private static RedisConnection connect(RedisServer redis) {
        return RedisConnection.open(RedisConfig.fromUrl(redis.url()));
    }

    private static EmailStore failover(RedisConnection redis, Path spool) {
        return EmailStore.failover(List.of(redis.emailStore()), spool);
    }

    private static Set<String> everyAddress(EmailStore store) {
        Set<String> seen = new HashSet<>();
        List<String> all = new ArrayList<>();
        String cursor = null;
        do {
            EmailPage page = store.page(cursor, 1000);
            page.records().stream().map(EmailRecord::address).forEach(all::add);
            cursor = page.nextCursor();
        } while (cursor != null);
        seen.addAll(all);
        assertThat(all).as("no address twice").hasSameSizeAs(seen);
        return seen;
    }

    /** Waits until {@code next} reaches {@code target}, failing if the workers stop short of it. */
    private static void awaitProgress(AtomicInteger next, int target, List<Future<?>> workers) throws Exception {
        while (next.get() < target) {
            for (Future<?> worker : workers) {
                if (worker.isDone()) {
                    worker.get();
                    throw new AssertionError("a worker finished before " + target + " addresses were taken");
                }
            }
            Thread.sleep(5);
        }
    }

    private static void awaitCount(EmailStore store, long expected, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long count = -1;
        while (System.nanoTime() < deadline) {
            try {
                count = store.count();
                if (count == expected) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // Redis is still coming back
            }
            Thread.sleep(50);
        }
        throw new AssertionError("expected " + expected + " addresses, found " + count);
    }

    @Test
    void tenThousandConcurrentCaptures_acrossAKillAndRestart_areAllThereOnce() throws Exception {
        try (RedisServer redis = durableRedis();
                RedisConnection connection = connect(redis);
                EmailStore store = failover(connection, spoolDir.resolve("emails.spool"))) {
            awaitCount(store, 0, Duration.ofSeconds(10));
            int total = 10_000;
            AtomicInteger next = new AtomicInteger();
            Map<AddResult, AtomicInteger> results = new EnumMap<>(AddResult.class);
            for (AddResult r : AddResult.values()) {
                results.put(r, new AtomicInteger());
            }
            ExecutorService pool = Executors.newFixedThreadPool(16);
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                workers.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < total; i = next.getAndIncrement()) {
                        results.get(store.add("reader" + i + "@example.com", "durability"))
                                .incrementAndGet();
                    }
                    return null;
                }));
            }
            awaitProgress(next, total / 3, workers);
            redis.kill();
            awaitProgress(next, 2 * total / 3, workers);
            redis.restart();
            for (Future<?> worker : workers) {
                worker.get(5, TimeUnit.MINUTES);
            }
            pool.shutdown();
            System.out.println("add results: " + results);
            assertThat(results.get(AddResult.SPOOLED).get())
                    .as("some addresses were spooled while Redis was down")
                    .isPositive();
            awaitCount(store, total, Duration.ofSeconds(60));
            Set<String> stored = everyAddress(store);
            assertThat(stored).hasSize(total);
            for (int i = 0; i < total; i++) {
                assertThat(stored).contains("reader" + i + "@example.com");
            }
        }
    }

    @Test
    void aProcessKilledWithAddressesInItsSpool_deliversThemOnItsNextStart() throws Exception {
        Path spool = spoolDir.resolve("emails.spool");
        try (RedisServer redis = durableRedis()) {
            redis.kill();
            String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            Process worker = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-cp",
                            classPath,
                            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                            SpoolingWorker.class.getName(),
                            redis.url(),
                            spool.toString(),
                            "200")
                    .redirectErrorStream(true)
                    .start();
            String output = new String(worker.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(worker.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(worker.exitValue()).as(output).isEqualTo(SpoolingWorker.HALTED);
            assertThat(output).contains("spooled=200");
            // Every address is on disk: in the spool, or in a file a delivery attempt took aside
            // (Redis is down, so the attempt puts them back; the halt may come in between).
            assertThat(spooledAddresses(spool)).hasSize(200);

            redis.restart();
            try (RedisConnection connection = connect(redis);
                    EmailStore store = failover(connection, spool)) {
                awaitCount(store, 200, Duration.ofSeconds(30));
                Set<String> stored = everyAddress(store);
                for (int i = 0; i < 200; i++) {
                    assertThat(stored).contains("spooled" + i + "@example.com");
                }
            }
        }
    }

    /** The distinct addresses in the spool file and in the files taken aside for delivery. */
    private static Set<String> spooledAddresses(Path spool) throws Exception {
        Set<String> addresses = new HashSet<>();
        try (var files = Files.list(spool.getParent())) {
            for (Path file : files.filter(f -> f.getFileName()
                            .toString()
                            .startsWith(spool.getFileName().toString()))
                    .toList()) {
                for (String line : Files.readAllLines(file)) {
                    addresses.add(line.split("\t", -1)[2]);
                }
            }
        }
        return addresses;
    }

    @Test
    void aCorruptOrTruncatedSpoolLine_isSkipped_andTheRestIsDelivered() throws Exception {
        Path spool = spoolDir.resolve("emails.spool");
        try (RedisServer redis = durableRedis()) {
            redis.kill();
            try (RedisConnection connection = connect(redis);
                    EmailStore store = failover(connection, spool)) {
                assertThat(store.add("first@example.com")).isEqualTo(AddResult.SPOOLED);
                assertThat(store.add("second@example.com")).isEqualTo(AddResult.SPOOLED);
            }
            List<String> lines = new ArrayList<>(Files.readAllLines(spool));
            lines.add(1, lines.get(0).replace("first", "forged"));
            String torn = lines.get(lines.size() - 1);
            Files.write(spool, lines);
            Files.writeString(spool, Files.readString(spool) + torn.substring(0, torn.length() / 2));
            redis.restart();
            try (RedisConnection connection = connect(redis);
                    EmailStore store = failover(connection, spool)) {
                awaitCount(store, 2, Duration.ofSeconds(30));
                assertThat(everyAddress(store)).containsExactlyInAnyOrder("first@example.com", "second@example.com");
            }
        }
    }
}
