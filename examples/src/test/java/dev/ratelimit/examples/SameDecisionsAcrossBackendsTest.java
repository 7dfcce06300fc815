package dev.ratelimit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimitBackend;
import dev.ratelimit.TestClock;
import dev.ratelimit.redis.RedisConfig;
import dev.ratelimit.redis.RedisConnection;
import dev.ratelimit.testkit.redis.UpstashExtension;
import dev.ratelimit.upstash.UpstashConfig;
import dev.ratelimit.upstash.UpstashConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The in-memory, Redis and Upstash backends, on one clock, answer a random trace identically. */
class SameDecisionsAcrossBackendsTest {

    @RegisterExtension
    static final UpstashExtension upstash = new UpstashExtension();

    @Test
    void aRandomTrace_getsIdenticalDecisionsFromEveryBackend() throws Exception {
        TestClock clock = new TestClock(Instant.parse("2026-06-01T12:00:00.424242Z"));
        String run = UUID.randomUUID().toString();
        List<Policy> policies = List.of(
                Policy.of("fixed", Limit.of(7, Duration.ofSeconds(30))),
                Policy.of("sliding", Limit.of(9, Duration.ofSeconds(20)).slidingWindow()),
                Policy.of(
                        "bucket",
                        Limit.of(5, Duration.ofSeconds(7)).tokenBucket().burst(8)),
                Policy.of(
                        "mixed",
                        Limit.perMinute(20).slidingWindow(),
                        Limit.of(3, Duration.ofSeconds(2)).tokenBucket()));
        try (RateLimitBackend memory = RateLimitBackend.inMemory(clock, 10_000);
                RedisConnection redisConnection =
                        RedisConnection.open(RedisConfig.fromUrl(upstash.redis().url()));
                UpstashConnection upstashConnection = UpstashConnection.open(UpstashConfig.builder(
                                upstash.server().url(), upstash.server().token())
                        .build())) {
            redisConnection.awaitConnection(Duration.ofSeconds(10));
            RateLimitBackend redis = RateLimitBackend.scripted(redisConnection)
                    .keyPrefix("redis-" + run)
                    .clock(clock)
                    .ttlGrace(Duration.ofHours(1))
                    .build();
            RateLimitBackend rest = RateLimitBackend.scripted(upstashConnection)
                    .keyPrefix("upstash-" + run)
                    .clock(clock)
                    .ttlGrace(Duration.ofHours(1))
                    .build();
            SplittableRandom random = new SplittableRandom(20261126);
            for (int step = 0; step < 1500; step++) {
                clock.advanceMicros(random.nextInt(4) == 0 ? random.nextLong(40_000_000L) : random.nextLong(200_000L));
                Policy policy = policies.get(random.nextInt(policies.size()));
                String key = "k" + random.nextInt(3);
                long permits = random.nextInt(5) == 0 ? random.nextLong(policy.capacity() + 1) : 1;
                Decision expected = memory.evaluate(key, policy, permits)
                        .toCompletableFuture()
                        .get();
                assertThat(redis.evaluate(key, policy, permits)
                                .toCompletableFuture()
                                .get(10, TimeUnit.SECONDS))
                        .as("redis, step %d", step)
                        .isEqualTo(expected);
                assertThat(rest.evaluate(key, policy, permits)
                                .toCompletableFuture()
                                .get(10, TimeUnit.SECONDS))
                        .as("upstash, step %d", step)
                        .isEqualTo(expected);
            }
        }
    }
}
