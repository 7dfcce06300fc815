package dev.ratelimit.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Decision;
import dev.ratelimit.EmailStore;
import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimitBackend;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.email.AddResult;
import dev.ratelimit.redis.RedisConfig;
import dev.ratelimit.redis.RedisConnection;
import dev.ratelimit.testkit.redis.RedisExtension;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A real Redis killed under a limiter and an email store: the metrics say who answered. */
class RedisOutageMetricsTest {

    @RegisterExtension
    static final RedisExtension redis = RedisExtension.single();

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private long decisions(String outcome, String source) {
        Timer timer = registry.find("ratelimit.decisions")
                .tags("outcome", outcome, "source", source)
                .timer();
        return timer == null ? 0 : timer.count();
    }

    private double breaker(String state) {
        return registry.get("ratelimit.breaker.state")
                .tags("breaker", "redis", "state", state)
                .gauge()
                .value();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 30 s: " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void throughAnOutage_theFallbackCountIsEveryDecisionMadeWithoutRedis() throws Exception {
        RateLimitMetrics metrics = RateLimitMetrics.of(registry);
        Path spool = Files.createTempDirectory("spool").resolve("emails.spool");
        try (RedisConnection connection =
                        RedisConnection.open(RedisConfig.fromUrl(redis.server().url()));
                RateLimiter limiter = RateLimiter.builder()
                        .policy(Policy.of("api", Limit.perHour(1000)))
                        .backend(connection.rateLimitBackend())
                        .fallback(RateLimitBackend.inMemory())
                        .circuitBreaker(3, 6, Duration.ofMillis(200))
                        .listener(metrics.listener())
                        .build();
                EmailStore emails = metrics.meter(EmailStore.failover(List.of(connection.emailStore()), spool))) {
            metrics.bind(limiter);
            for (int i = 0; i < 10; i++) {
                assertThat(limiter.tryAcquire("k" + i).source()).isEqualTo(Decision.Source.BACKEND);
            }
            assertThat(emails.add("before@example.com")).isEqualTo(AddResult.ADDED);
            assertThat(breaker("closed")).isEqualTo(1);

            redis.server().kill();
            int during = 20;
            for (int i = 0; i < during; i++) {
                Decision d = limiter.tryAcquire("k" + i);
                assertThat(d.source()).isEqualTo(Decision.Source.FALLBACK);
                assertThat(d.fallback()).isEqualTo("memory");
            }
            assertThat(decisions("allowed", "fallback")).isEqualTo(during);
            assertThat(registry.get("ratelimit.fallbacks")
                            .tag("fallback", "memory")
                            .counter()
                            .count())
                    .isEqualTo(during);
            assertThat(registry.find("ratelimit.backend.failures").tag("backend", "redis").counters().stream()
                            .mapToDouble(Counter::count)
                            .sum())
                    .isGreaterThanOrEqualTo(3);
            assertThat(breaker("open") + breaker("half_open"))
                    .as("the breaker left CLOSED")
                    .isEqualTo(1);
            assertThat(emails.add("during@example.com")).isEqualTo(AddResult.SPOOLED);
            assertThat(registry.get("ratelimit.emails.added")
                            .tag("result", "spooled")
                            .counter()
                            .count())
                    .isEqualTo(1);
            assertThat(registry.get("ratelimit.emails.spooled").gauge().value()).isEqualTo(1);

            redis.server().restart();
            await(
                    "decisions from Redis again",
                    () -> limiter.tryAcquire("after").source() == Decision.Source.BACKEND);
            assertThat(breaker("closed")).isEqualTo(1);
            assertThat(decisions("allowed", "backend")).isGreaterThan(10);
            await("the spool delivered", () -> emails.spooled() == 0);
            assertThat(registry.get("ratelimit.emails.spooled").gauge().value()).isZero();
        }
    }
}
