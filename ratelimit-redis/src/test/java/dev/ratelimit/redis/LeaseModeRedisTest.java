package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimitBackend;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.TestClock;
import dev.ratelimit.testkit.redis.RedisExtension;
import dev.ratelimit.testkit.redis.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The lease script against its Java reference: two lease-mode limiters sharing Redis (standalone,
 * then a Cluster) and two sharing an in-memory backend, on one test clock, make the same decisions
 * — figures and sources — request by request. And what a paused Redis does to lease mode.
 */
class LeaseModeRedisTest {

    @RegisterExtension
    static final RedisExtension single = RedisExtension.single();

    @RegisterExtension
    static final RedisExtension cluster = RedisExtension.clusterOfThree();

    static Stream<Policy> policies() {
        return Stream.of(
                Policy.of("fixed", Limit.perMinute(100)),
                Policy.of("sliding", Limit.perMinute(100).slidingWindow()),
                Policy.of(
                        "bucket",
                        Limit.of(100, Duration.ofMinutes(1)).tokenBucket().burst(20)),
                Policy.of(
                        "both",
                        Limit.of(60, Duration.ofSeconds(30)),
                        Limit.of(200, Duration.ofMinutes(1)).tokenBucket().burst(10),
                        Limit.perMinute(150).slidingWindow()));
    }

    @ParameterizedTest
    @MethodSource("policies")
    void standalone_decidesAsMemoryDoes(Policy policy) {
        decidesAsMemoryDoes(single.url(), policy);
    }

    @ParameterizedTest
    @MethodSource("policies")
    void cluster_decidesAsMemoryDoes(Policy policy) {
        decidesAsMemoryDoes(cluster.url(), policy);
    }

    private static void decidesAsMemoryDoes(String url, Policy policy) {
        TestClock clock = new TestClock();
        try (RedisConnection connection = RedisBackendTest.connected(url)) {
            RateLimitBackend redis = RateLimitBackend.scripted(new PatientTransport(connection))
                    .clock(clock)
                    .keyPrefix("lease" + UUID.randomUUID().toString().substring(0, 8))
                    .ttlGrace(Duration.ofHours(1)) // the test clock runs ahead of the server's expiry
                    .build();
            RateLimitBackend memory = RateLimitBackend.inMemory(clock, 100);
            List<RateLimiter> onRedis = new ArrayList<>();
            List<RateLimiter> inMemory = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                onRedis.add(limiter(policy, redis, clock, i));
                inMemory.add(limiter(policy, memory, clock, i));
            }
            Random random = new Random(policy.hashCode());
            int leased = 0;
            for (int step = 0; step < 1_500; step++) {
                int gap = random.nextInt(10);
                clock.advance(Duration.ofMillis(gap < 6 ? 0 : gap < 9 ? random.nextInt(200) : random.nextInt(5_000)));
                int instance = random.nextInt(2);
                String key = random.nextInt(4) == 0 ? "other" : "hot";
                long permits = random.nextInt(10) == 0 ? 2 : 1;
                Decision expected = inMemory.get(instance).tryAcquire(key, permits);
                Decision actual = onRedis.get(instance).tryAcquire(key, permits);
                assertThat(actual).as("step %d", step).isEqualTo(expected);
                leased += actual.source() == Decision.Source.LEASE ? 1 : 0;
            }
            assertThat(leased).as("decisions from slices").isPositive();
        }
    }

    @Test
    void whileRedisIsPaused_slicesHeldAreSpent_thenReservationsFallBack_andRedisDecidesAgainOnceBack()
            throws Exception {
        RedisServer server = RedisServer.start();
        try (RedisConnection connection = RedisBackendTest.connected(server.url());
                RateLimiter limiter = RateLimiter.builder()
                        .policy(Policy.of("pause", Limit.of(1_000_000, Duration.ofDays(366))))
                        .backend(connection.rateLimitBackend())
                        .fallback(RateLimitBackend.inMemory())
                        .leases(100, Duration.ofHours(1))
                        .build()) {
            assertThat(limiter.tryAcquire("k").source()).isEqualTo(Decision.Source.BACKEND);
            assertThat(limiter.tryAcquire("k").source())
                    .as("the second reservation takes a slice")
                    .isEqualTo(Decision.Source.BACKEND);
            Map<Decision.Source, Integer> sources = new EnumMap<>(Decision.Source.class);
            server.pause();
            try {
                for (int i = 0; i < 120; i++) {
                    Decision d = limiter.tryAcquire("k");
                    assertThat(d.allowed()).isTrue();
                    sources.merge(d.source(), 1, Integer::sum);
                }
            } finally {
                server.resume();
            }
            assertThat(sources)
                    .as("the rest of the slice, then the fallback")
                    .containsOnlyKeys(Decision.Source.LEASE, Decision.Source.FALLBACK)
                    .containsEntry(Decision.Source.LEASE, 99);
            Decision d = limiter.tryAcquire("k");
            for (int i = 0; i < 500 && d.source() != Decision.Source.BACKEND; i++) {
                Thread.sleep(20);
                d = limiter.tryAcquire("k");
            }
            assertThat(d.source()).as("a reservation from Redis again").isEqualTo(Decision.Source.BACKEND);
        } finally {
            server.close();
        }
    }

    private static RateLimiter limiter(Policy policy, RateLimitBackend backend, TestClock clock, int i) {
        return RateLimiter.builder()
                .policy(policy)
                .backend(backend)
                .clock(clock)
                .deadline(Duration.ofSeconds(10))
                .leases(5 + 20 * i, Duration.ofSeconds(1 + i))
                .build();
    }
}
