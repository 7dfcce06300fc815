package dev.ratelimit.upstash;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.testkit.redis.UpstashExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Regression: a healthy Upstash server 40 ms away answered 0 of 10 decisions of the default
 * environment limiter (all went to this JVM's memory), and at 150 ms the default limiter on
 * Upstash alone failed open every time. A database in another region must still decide.
 */
class UpstashLatencyTest {

    @RegisterExtension
    static final UpstashExtension upstash = new UpstashExtension();

    private final ExecutorService callers = Executors.newFixedThreadPool(32);

    @AfterEach
    void stop() {
        upstash.server().latency(Duration.ZERO);
        callers.shutdownNow();
    }

    private Map<String, String> environment() {
        return Map.of(
                "UPSTASH_REDIS_REST_URL",
                upstash.server().url(),
                "UPSTASH_REDIS_REST_TOKEN",
                upstash.server().token());
    }

    /** {@code decisions} decisions on distinct keys from 32 threads; counts by source. */
    private Map<Decision.Source, Integer> decide(RateLimiter limiter, int decisions) throws Exception {
        String run = UUID.randomUUID().toString();
        Map<Decision.Source, AtomicInteger> counts = new java.util.EnumMap<>(Decision.Source.class);
        for (Decision.Source source : Decision.Source.values()) {
            counts.put(source, new AtomicInteger());
        }
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int i = 0; i < decisions; i++) {
            String key = run + "-" + i;
            all.add(CompletableFuture.runAsync(
                    () -> counts.get(limiter.tryAcquire(key).source()).incrementAndGet(), callers));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get();
        Map<Decision.Source, Integer> bySource = new java.util.EnumMap<>(Decision.Source.class);
        for (Decision.Source source : Decision.Source.values()) {
            bySource.put(source, counts.get(source).get());
        }
        return bySource;
    }

    @ParameterizedTest
    @ValueSource(ints = {40, 150})
    void aHealthyServerFarAway_decides(int latencyMillis) throws Exception {
        Map<String, String> env = environment();
        try (RateLimiter limiter = RateLimiter.builder()
                .policy(Policy.of("far", Limit.perHour(1000)))
                .fromEnvironment(env::get)
                .build()) {
            upstash.server().latency(Duration.ofMillis(latencyMillis));
            Map<Decision.Source, Integer> sources = decide(limiter, 1000);
            assertThat(sources.get(Decision.Source.BACKEND))
                    .as("decided by Upstash: %s", sources)
                    .isGreaterThanOrEqualTo(990);
        }
    }

    @Test
    void aServerTwoSecondsAway_isLeftForTheFallback() throws Exception {
        Map<String, String> env = environment();
        try (RateLimiter limiter = RateLimiter.builder()
                .policy(Policy.of("too-far", Limit.perHour(1000)))
                .fromEnvironment(env::get)
                .build()) {
            upstash.server().latency(Duration.ofSeconds(2));
            Map<Decision.Source, Integer> sources = decide(limiter, 64);
            assertThat(sources.get(Decision.Source.FALLBACK))
                    .as("answered by memory: %s", sources)
                    .isEqualTo(64);
        }
    }
}
