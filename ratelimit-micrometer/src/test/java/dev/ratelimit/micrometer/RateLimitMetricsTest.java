package dev.ratelimit.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.Decision;
import dev.ratelimit.EmailStore;
import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimitBackend;
import dev.ratelimit.RateLimitListener;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.TestClock;
import dev.ratelimit.email.AddResult;
import dev.ratelimit.email.InvalidEmailException;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/** Decisions through a real in-memory limiter, recorded in a real registry. */
class RateLimitMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final TestClock clock = new TestClock(Instant.parse("2026-05-01T10:00:00Z"));

    private long decisions(String policy, String outcome, String source) {
        Timer timer = registry.find("ratelimit.decisions")
                .tags("policy", policy, "outcome", outcome, "source", source)
                .timer();
        return timer == null ? 0 : timer.count();
    }

    /**
     * {@code memory} as a limiter sees a remote backend: it puts a block cache in front of any
     * backend but the in-memory one, whose answers are as fast.
     */
    private static RateLimitBackend behindABlockCache(RateLimitBackend memory) {
        return new RateLimitBackend() {
            @Override
            public CompletionStage<Decision> evaluate(String key, Policy policy, long permits) {
                return memory.evaluate(key, policy, permits);
            }

            @Override
            public CompletionStage<Decision> peek(String key, Policy policy, long permits) {
                return memory.peek(key, policy, permits);
            }

            @Override
            public CompletionStage<Void> reset(String key, Policy policy) {
                return memory.reset(key, policy);
            }

            @Override
            public String name() {
                return "memory";
            }
        };
    }

    @Test
    void decisions_areCountedByOutcomeAndSource_andPeeksAreNot() {
        RateLimitMetrics metrics = RateLimitMetrics.of(registry);
        try (RateLimiter limiter = RateLimiter.builder()
                .policy(Policy.of("generate", Limit.perHour(2)))
                .backend(behindABlockCache(RateLimitBackend.inMemory(clock, 1_000)))
                .clock(clock)
                .listener(metrics.listener())
                .build()) {
            metrics.bind(limiter);
            for (int i = 0; i < 5; i++) {
                limiter.tryAcquire("203.0.113.7");
            }
            limiter.peek("203.0.113.7");
            limiter.tryAcquireAsync("198.51.100.1").toCompletableFuture().join();
            assertThat(decisions("generate", "allowed", "backend")).isEqualTo(3);
            assertThat(decisions("generate", "denied", "backend")).isEqualTo(1);
            assertThat(decisions("generate", "denied", "local_block_cache")).isEqualTo(2);
            assertThat(registry.get("ratelimit.blocked.keys")
                            .tag("policy", "generate")
                            .gauge()
                            .value())
                    .isEqualTo(1);
            assertThat(registry.get("ratelimit.breaker.state")
                            .tags("policy", "generate", "breaker", "memory", "state", "closed")
                            .gauge()
                            .value())
                    .isEqualTo(1);
            assertThat(registry.get("ratelimit.breaker.state")
                            .tags("policy", "generate", "breaker", "memory", "state", "open")
                            .gauge()
                            .value())
                    .isZero();
            assertThat(registry.get("ratelimit.decisions")
                            .timer()
                            .takeSnapshot()
                            .percentileValues())
                    .as("no percentiles unless asked")
                    .isEmpty();
        }
    }

    @Test
    void leaseMode_separatesDecisionsSpentFromASlice_fromThoseThatReserved() {
        RateLimitMetrics metrics = RateLimitMetrics.of(registry);
        try (RateLimiter limiter = RateLimiter.builder()
                .policy(Policy.of("hot", Limit.perMinute(1_000)))
                .clock(clock)
                .listener(metrics.listener())
                .leases(100, java.time.Duration.ofSeconds(1))
                .build()) {
            int leased = 0;
            for (int i = 0; i < 300; i++) {
                clock.advance(java.time.Duration.ofNanos(1_000));
                leased += limiter.tryAcquire("k").source() == Decision.Source.LEASE ? 1 : 0;
            }
            assertThat(decisions("hot", "allowed", "lease")).isEqualTo(leased).isGreaterThan(250);
            assertThat(decisions("hot", "allowed", "backend")).isEqualTo(300 - leased);
        }
    }

    @Test
    void noTagNamesAKey() {
        RateLimitMetrics metrics = RateLimitMetrics.of(registry);
        try (RateLimiter limiter = RateLimiter.builder()
                .policy(Policy.of("p", Limit.perHour(1)))
                .clock(clock)
                .listener(metrics.listener())
                .build()) {
            metrics.bind(limiter);
            for (int i = 0; i < 100; i++) {
                limiter.tryAcquire("client-" + i);
            }
        }
        for (Meter meter : registry.getMeters()) {
            assertThat(meter.getId().getTags()).noneMatch(tag -> tag.getValue().startsWith("client-"));
        }
        assertThat(registry.find("ratelimit.decisions").timers()).hasSize(1);
    }

    @Test
    void percentiles_arePublishedWhenAsked() {
        RateLimitMetrics metrics =
                RateLimitMetrics.builder(registry).percentiles(0.5, 0.99).build();
        try (RateLimiter limiter = RateLimiter.builder()
                .policy(Policy.of("p", Limit.perHour(10)))
                .clock(clock)
                .listener(metrics.listener())
                .build()) {
            limiter.tryAcquire("k");
        }
        assertThat(registry.get("ratelimit.decisions").timer().takeSnapshot().percentileValues())
                .hasSize(2);
        assertThatThrownBy(() -> RateLimitMetrics.builder(registry).percentiles(99))
                .hasMessageContaining("between 0 and 1");
    }

    @Test
    void aListenerOfYourOwn_hearsEverything_andItsExceptionsCostNoMetric() {
        RateLimitMetrics metrics = RateLimitMetrics.of(registry);
        List<Decision> heard = new ArrayList<>();
        RateLimitListener yours = new RateLimitListener() {
            @Override
            public void onDecision(String key, Decision decision, long elapsedNanos) {
                heard.add(decision);
                throw new IllegalStateException("a listener with a bug");
            }
        };
        try (RateLimiter limiter = RateLimiter.builder()
                .policy(Policy.of("p", Limit.perHour(10)))
                .clock(clock)
                .listener(metrics.listener(yours))
                .build()) {
            assertThat(limiter.tryAcquire("k").allowed()).isTrue();
            assertThat(limiter.tryAcquire("k").allowed()).isTrue();
        }
        assertThat(heard).hasSize(2);
        assertThat(decisions("p", "allowed", "backend")).isEqualTo(2);
    }

    @Test
    void emailAdds_areCountedByResult() {
        RateLimitMetrics metrics = RateLimitMetrics.of(registry);
        EmailStore emails = metrics.meter(EmailStore.inMemory());
        assertThat(emails.add("ada@example.com")).isEqualTo(AddResult.ADDED);
        assertThat(emails.add("Ada@Example.com", "landing")).isEqualTo(AddResult.ALREADY_PRESENT);
        assertThatThrownBy(() -> emails.add("not an address")).isInstanceOf(InvalidEmailException.class);
        assertThat(emails.count()).isEqualTo(1);
        assertThat(registry.get("ratelimit.emails.added")
                        .tag("result", "added")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("ratelimit.emails.added")
                        .tag("result", "already_present")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("ratelimit.emails.added")
                        .tag("result", "invalid")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("ratelimit.emails.added")
                        .tag("result", "spooled")
                        .counter()
                        .count())
                .isZero();
        assertThat(registry.get("ratelimit.emails.spooled").gauge().value()).isZero();
    }
}
