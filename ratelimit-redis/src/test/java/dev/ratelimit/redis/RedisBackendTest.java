package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.Decision;
import dev.ratelimit.FailurePolicy;
import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimitBackend;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.TestClock;
import dev.ratelimit.testkit.redis.RedisExtension;
import dev.ratelimit.testkit.redis.RedisServer;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisBackendTest {

    @RegisterExtension
    static final RedisExtension redis = RedisExtension.single();

    static RedisConnection connected(String url) {
        RedisConnection connection = RedisConnection.open(RedisConfig.fromUrl(url));
        try {
            connection.awaitConnection(Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            connection.close();
            throw e;
        }
        return connection;
    }

    @Test
    void steadyState_isOneEvalshaPerDecision_andAScriptFlushIsInvisible() {
        Policy policy = Policy.of(
                "calls", Limit.perMinute(1_000_000), Limit.perHour(5_000_000).tokenBucket());
        try (RedisConnection backend = connected(redis.url());
                RateLimiter limiter = RateLimiter.builder()
                        .policy(policy)
                        .backend(backend.rateLimitBackend())
                        .deadline(Duration.ofSeconds(2))
                        .build();
                RedisAdmin admin = new RedisAdmin(redis.server().port())) {
            String key = "calls-" + UUID.randomUUID();
            assertThat(limiter.tryAcquire(key).source()).isEqualTo(Decision.Source.BACKEND);
            admin.sync().configResetstat();
            for (int i = 0; i < 200; i++) {
                assertThat(limiter.tryAcquire(key).source()).isEqualTo(Decision.Source.BACKEND);
            }
            assertThat(admin.calls("evalsha")).isEqualTo(200);
            assertThat(admin.calls("eval")).isZero();

            admin.sync().scriptFlush();
            admin.sync().configResetstat();
            Decision afterFlush = limiter.tryAcquire(key);
            assertThat(afterFlush.source()).isEqualTo(Decision.Source.BACKEND);
            assertThat(afterFlush.allowed()).isTrue();
            assertThat(afterFlush.perLimit().get(0).remaining()).isEqualTo(1_000_000 - 202);
            assertThat(admin.calls("eval")).isEqualTo(1);
            for (int i = 0; i < 10; i++) {
                limiter.tryAcquire(key);
            }
            assertThat(admin.calls("eval")).as("loaded again by the EVAL").isEqualTo(1);
            assertThat(admin.calls("evalsha")).isEqualTo(11);
        }
    }

    @Test
    void serverClock_isUsedByDefault_andKeysExpireWithTheirState() {
        Policy policy = Policy.of("ttl", Limit.of(3, Duration.ofSeconds(10)).tokenBucket());
        try (RedisConnection backend = connected(redis.url());
                RateLimiter limiter = RateLimiter.builder()
                        .policy(policy)
                        .backend(backend.rateLimitBackend())
                        .build();
                RedisAdmin admin = new RedisAdmin(redis.server().port())) {
            String key = "ttl-" + UUID.randomUUID();
            long before = serverMicros(admin);
            limiter.tryAcquire(key, 2);
            String redisKey = "rl:{" + key + "}:ttl:0";
            long tat = Long.parseLong(admin.sync().get(redisKey));
            long pttl = admin.sync().pttl(redisKey);
            long after = serverMicros(admin);
            // The server's time of the decision lies between the two readings of TIME around it.
            assertThat(tat)
                    .as("tat is the server's time of the decision plus 2 emission intervals of 3,333,334 µs")
                    .isBetween(before + 6_666_668L, after + 6_666_668L);
            assertThat(pttl)
                    .as("the key lives until the bucket is full again: 6,667 ms from the decision")
                    .isBetween(6_667L - (after - before) / 1_000 - 1, 6_667L);
            Decision peek = limiter.peek(key, 0);
            assertThat(peek.remaining()).isEqualTo(1);
            assertThat(admin.sync().exists("rl:{never-" + key + "}:ttl:0")).isZero();
        }
    }

    private static long serverMicros(RedisAdmin admin) {
        java.util.List<String> time = admin.sync().time();
        return Long.parseLong(time.get(0)) * 1_000_000L + Long.parseLong(time.get(1));
    }

    @Test
    void tokenBucketKey_memoryUsage() {
        Policy policy = Policy.of("generate", Limit.perHour(5).tokenBucket());
        try (RedisConnection backend = connected(redis.url());
                RateLimiter limiter = RateLimiter.builder()
                        .policy(policy)
                        .backend(backend.rateLimitBackend())
                        .build();
                RedisAdmin admin = new RedisAdmin(redis.server().port())) {
            limiter.tryAcquire("203.0.113.7");
            Long bytes = admin.sync().memoryUsage("rl:{203.0.113.7}:generate:0");
            System.out.println("MEMORY USAGE rl:{203.0.113.7}:generate:0 = " + bytes + " bytes");
            assertThat(bytes).isLessThanOrEqualTo(90);
        }
    }

    /**
     * Asks for {@code key} every 20 ms until Redis, starting up, answers, for at most 10 s; returns
     * the last decision.
     */
    private static Decision untilFromRedis(RateLimiter limiter, String key) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        Decision d = limiter.tryAcquire(key);
        while (d.source() != Decision.Source.BACKEND && System.nanoTime() < deadline) {
            Thread.sleep(20);
            d = limiter.tryAcquire(key);
        }
        return d;
    }

    @Test
    void startedWhileRedisIsDown_usesRedisOnceItIsUp() throws Exception {
        RedisServer server = RedisServer.start();
        try {
            server.kill();
            Policy policy = Policy.of("late", Limit.perHour(100));
            try (RedisConnection backend = RedisConnection.open(RedisConfig.fromUrl(server.url()));
                    RateLimiter limiter = RateLimiter.builder()
                            .policy(policy)
                            .backend(backend.rateLimitBackend())
                            .build()) {
                for (int i = 0; i < 20; i++) {
                    assertThat(limiter.tryAcquire("k").source()).isEqualTo(Decision.Source.FAIL_OPEN);
                }
                server.restart();
                Decision d = untilFromRedis(limiter, "k");
                assertThat(d.source())
                        .as("decided by Redis within 10 s of its start")
                        .isEqualTo(Decision.Source.BACKEND);
                assertThat(d.remaining()).isEqualTo(99);
            }
        } finally {
            server.close();
        }
    }

    @Test
    void aKilledServer_failsDecisionsFast_andIsUsedAgainAfterItsRestart() throws Exception {
        RedisServer server = RedisServer.start();
        try (RedisConnection backend = connected(server.url());
                RateLimiter limiter = RateLimiter.builder()
                        .policy(Policy.of("restart", Limit.perHour(100)))
                        .backend(backend.rateLimitBackend())
                        .failurePolicy(FailurePolicy.FAIL_CLOSED)
                        .build()) {
            assertThat(limiter.tryAcquire("k").source()).isEqualTo(Decision.Source.BACKEND);
            server.kill();
            Decision down = limiter.tryAcquire("k");
            assertThat(down.source()).isEqualTo(Decision.Source.FAIL_CLOSED);
            server.restart();
            Decision d = untilFromRedis(limiter, "k");
            assertThat(d.source()).isEqualTo(Decision.Source.BACKEND);
        } finally {
            server.close();
        }
    }

    @Test
    void ipv6LiteralHost_andAclUserWithAnEncodedPassword() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                java.net.InetAddress.getByAddress(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})
                        .isReachable(1000),
                "no IPv6 loopback on this machine");
        try (RedisAdmin admin = new RedisAdmin(redis.server().port())) {
            admin.sync()
                    .aclSetuser(
                            "limiter",
                            io.lettuce.core.AclSetuserArgs.Builder.on()
                                    .addPassword("p@ss#w%rd/1")
                                    .allKeys()
                                    .allCommands());
        }
        String url =
                "redis://limiter:p%40ss%23w%25rd%2F1@[::1]:" + redis.server().port();
        try (RedisConnection backend = connected(url);
                RateLimiter limiter = RateLimiter.builder()
                        .policy(Policy.of("v6", Limit.perHour(2)))
                        .backend(backend.rateLimitBackend())
                        .build()) {
            assertThat(limiter.tryAcquire("v6").source()).isEqualTo(Decision.Source.BACKEND);
            assertThat(backend.toString())
                    .contains("redis://limiter:***@[::1]:")
                    .doesNotContain("p@ss");
        }
    }

    @Test
    void close_leavesNoThreadBehind() throws Exception {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        RedisConnection connection = connected(redis.url());
        connection
                .rateLimitBackend()
                .evaluate("k", Policy.of("threads", Limit.perHour(5)), 1)
                .toCompletableFuture()
                .get();
        connection.emailStore().count();
        connection.close();
        Set<String> left = Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .filter(t -> !before.contains(t))
                .filter(t -> !t.isDaemon()
                        || t.getName().contains("lettuce")
                        || t.getName().toLowerCase(java.util.Locale.ROOT).contains("netty")
                        || t.getName().contains("globalEventExecutor"))
                .map(Thread::getName)
                .collect(Collectors.toSet());
        assertThat(left)
                .as("threads started by the connection and alive when close() returned")
                .isEmpty();
    }

    @Test
    void wrongPassword_isReportedWithoutThePassword() {
        try (RedisServer secured = RedisServer.start("--requirepass", "correct-horse-battery");
                CapturedErr err = CapturedErr.start()) {
            String url = "redis://:" + "wrong-staple-9" + "@127.0.0.1:" + secured.port();
            try (RedisConnection backend = RedisConnection.open(RedisConfig.fromUrl(url))) {
                assertThatThrownBy(() -> backend.awaitConnection(Duration.ofSeconds(3)))
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("redis://:***@127.0.0.1:" + secured.port())
                        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("wrong-staple-9"));
                assertThat(backend.toString()).doesNotContain("wrong-staple-9");
                RateLimiter limiter = RateLimiter.builder()
                        .policy(Policy.of("auth", Limit.perHour(1)))
                        .backend(backend.rateLimitBackend())
                        .build();
                assertThat(limiter.tryAcquire("k").source()).isEqualTo(Decision.Source.FAIL_OPEN);
            }
            String good = "redis://:correct-horse-battery@127.0.0.1:" + secured.port();
            try (RedisConnection backend = connected(good)) {
                assertThat(backend.toString()).doesNotContain("correct-horse");
                assertThat(RateLimiter.builder()
                                .policy(Policy.of("auth", Limit.perHour(1)))
                                .backend(backend.rateLimitBackend())
                                .build()
                                .tryAcquire("k")
                                .source())
                        .isEqualTo(Decision.Source.BACKEND);
            }
            assertThat(err.text())
                    .contains("cannot connect to Redis at redis://:***@")
                    .doesNotContain("wrong-staple-9")
                    .doesNotContain("correct-horse");
        }
    }

    @Test
    void aPasswordThatIsAlsoAWord_leavesTheFailureReadable() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        String url = "redis://:connect@127.0.0.1:" + closedPort;
        try (CapturedErr err = CapturedErr.start();
                RedisConnection backend = RedisConnection.open(RedisConfig.fromUrl(url))) {
            assertThatThrownBy(() -> backend.awaitConnection(Duration.ofSeconds(2)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("not connected to Redis at redis://:***@127.0.0.1:" + closedPort + ": ")
                    .hasMessageContaining("Unable to connect to 127.0.0.1")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("Unable to ***"));
            assertThat(err.text())
                    .contains("Unable to connect to 127.0.0.1")
                    .doesNotContain("Unable to ***")
                    .doesNotContain(":connect@");
        }
    }

    /**
     * The script of a policy of sixteen limits, every algorithm in turn, is one script within Lua's
     * limits on locals and registers, and decides as the in-memory reference does: requests of 0
     * to 3 permits and peeks, allowed and denied, 317 ms apart on a test clock.
     */
    @Test
    void sixteenLimitsOfEveryAlgorithm_decideAsInMemory() throws Exception {
        List<Limit> limits = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            Limit limit = Limit.of(3 + i, Duration.ofSeconds(1 + i));
            limits.add(
                    switch (i % 3) {
                        case 0 -> limit.fixedWindow();
                        case 1 -> limit.slidingWindow();
                        default -> limit.tokenBucket();
                    });
        }
        Policy policy = Policy.of("sixteen", limits);
        TestClock clock = new TestClock();
        RateLimitBackend memory = RateLimitBackend.inMemory(clock, 1_000);
        try (RedisConnection connection = connected(redis.url())) {
            RateLimitBackend scripted = RateLimitBackend.scripted(connection)
                    .keyPrefix("sixteen")
                    .clock(clock)
                    .build();
            String key = "k-" + UUID.randomUUID();
            int denied = 0;
            for (int i = 0; i < 60; i++) {
                long permits = i % 4;
                Decision peek =
                        memory.peek(key, policy, permits).toCompletableFuture().get();
                assertThat(scripted.peek(key, policy, permits)
                                .toCompletableFuture()
                                .get(10, TimeUnit.SECONDS))
                        .as("peek %d", i)
                        .isEqualTo(peek);
                Decision expected = memory.evaluate(key, policy, permits)
                        .toCompletableFuture()
                        .get();
                assertThat(scripted.evaluate(key, policy, permits)
                                .toCompletableFuture()
                                .get(10, TimeUnit.SECONDS))
                        .as("request %d", i)
                        .isEqualTo(expected);
                denied += expected.allowed() ? 0 : 1;
                clock.advance(Duration.ofMillis(317));
            }
            assertThat(denied).as("denials among the requests").isBetween(1, 59);
        }
    }
}
