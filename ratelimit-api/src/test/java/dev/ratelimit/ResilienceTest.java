package dev.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.spi.RateLimitBackend;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The limiter's own failure handling — breaker, fallbacks, block cache, deadline — against a
 * backend whose health the test switches. The same behaviour against real Redis and Upstash
 * processes is tested in the examples module.
 */
class ResilienceTest {

    private final Policy policy = Policy.of("resilience", Limit.perHour(3));

    /** Healthy: delegates to an in-memory backend; failing: throws; hanging: never answers. */
    private static final class Switchable implements RateLimitBackend {
        enum Mode { HEALTHY, FAILING, HANGING }

        final RateLimitBackend memory;
        final String name;
        volatile Mode mode = Mode.HEALTHY;
        final AtomicInteger calls = new AtomicInteger();

        Switchable(String name, Clock clock) {
            this.name = name;
            this.memory = RateLimitBackend.inMemory(clock, 1000);
        }

        @Override
        public CompletionStage<Decision> evaluate(String key, Policy policy, long permits) {
            calls.incrementAndGet();
            return switch (mode) {
                case HEALTHY -> memory.evaluate(key, policy, permits);
                case FAILING -> CompletableFuture.failedFuture(new IllegalStateException(name + " is down"));
                case HANGING -> new CompletableFuture<>();
            };
        }

        @Override
        public CompletionStage<Decision> peek(String key, Policy policy, long permits) {
            calls.incrementAndGet();
            return switch (mode) {
                case HEALTHY -> memory.peek(key, policy, permits);
                case FAILING -> CompletableFuture.failedFuture(new IllegalStateException(name + " is down"));
                case HANGING -> new CompletableFuture<>();
            };
        }

        @Override
        public CompletionStage<Void> reset(String key, Policy policy) {
            return mode == Mode.HEALTHY ? memory.reset(key, policy)
                    : CompletableFuture.failedFuture(new IllegalStateException(name + " is down"));
        }

        @Override
        public String name() {
            return name;
        }
    }

    @Test
    void afterConsecutiveFailures_theBreakerOpens_andTheFallbackAnswersWithoutAskingThePrimary() throws Exception {
        TestClock clock = new TestClock();
        Switchable primary = new Switchable("primary", clock);
        Switchable fallback = new Switchable("fallback", clock);
        List<String> events = new CopyOnWriteArrayList<>();
        RateLimiter limiter = RateLimiter.builder().policy(policy).backend(primary).fallback(fallback)
                .clock(clock).circuitBreaker(3, Duration.ofMillis(200)).blockCache(0)
                .listener(new RateLimitListener() {
                    @Override
                    public void onFallback(String key, String name) {
                        events.add("fallback " + name);
                    }

                    @Override
                    public void onBreakerStateChange(String backend, BreakerState from, BreakerState to) {
                        events.add(backend + " " + from + "->" + to);
                    }
                }).build();
        assertThat(limiter.tryAcquire("k").source()).isEqualTo(Decision.Source.BACKEND);
        primary.mode = Switchable.Mode.FAILING;
        for (int i = 0; i < 3; i++) {
            Decision d = limiter.tryAcquire("k");
            assertThat(d.source()).isEqualTo(Decision.Source.FALLBACK);
            assertThat(d.fallback()).isEqualTo("fallback");
        }
        assertThat(events).contains("primary CLOSED->OPEN");
        int callsWhenOpened = primary.calls.get();
        for (int i = 0; i < 50; i++) {
            assertThat(limiter.peek("k").fallback()).isEqualTo("fallback");
        }
        assertThat(primary.calls.get()).as("an open breaker skips the primary").isEqualTo(callsWhenOpened);

        primary.mode = Switchable.Mode.HEALTHY;
        assertThat(limiter.peek("k").fallback()).as("open until its interval passes").isEqualTo("fallback");
        clock.advance(Duration.ofMillis(200));
        limiter.peek("k");   // the interval has passed: this call sends the probe, which closes the breaker
        Decision d = limiter.peek("k");
        assertThat(d.source()).isEqualTo(Decision.Source.BACKEND);
        assertThat(events).contains("primary OPEN->HALF_OPEN", "primary HALF_OPEN->CLOSED");
    }

    @Test
    void aHangingPrimary_leavesHalfTheDeadlineToItsFallback() {
        TestClock clock = new TestClock();
        Switchable primary = new Switchable("primary", clock);
        primary.mode = Switchable.Mode.HANGING;
        Switchable fallback = new Switchable("fallback", clock);
        RateLimiter limiter = RateLimiter.builder().policy(policy).backend(primary).fallback(fallback)
                .deadline(Duration.ofMillis(80)).build();
        long start = System.nanoTime();
        Decision d = limiter.tryAcquire("k");
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(d.fallback()).isEqualTo("fallback");
        assertThat(tookMillis).isBetween(35L, 2_000L);
        Decision async = limiter.tryAcquireAsync("k", 1).toCompletableFuture().join();
        assertThat(async.fallback()).isEqualTo("fallback");
    }

    @Test
    void everyBackendDown_theFailurePolicyAnswers_failClosedWithTheOpenInterval() {
        TestClock clock = new TestClock();
        Switchable primary = new Switchable("primary", clock);
        Switchable fallback = new Switchable("fallback", clock);
        primary.mode = Switchable.Mode.FAILING;
        fallback.mode = Switchable.Mode.FAILING;
        RateLimiter limiter = RateLimiter.builder().policy(policy).backend(primary).fallback(fallback)
                .failurePolicy(FailurePolicy.FAIL_CLOSED).circuitBreaker(2, Duration.ofSeconds(7)).build();
        for (int i = 0; i < 5; i++) {
            Decision d = limiter.tryAcquire("k");
            assertThat(d.source()).isEqualTo(Decision.Source.FAIL_CLOSED);
            assertThat(d.retryAfter()).isEqualTo(Duration.ofSeconds(7));
        }
    }

    @Test
    void aDeniedKey_isDeniedLocally_untilItsRetryTime() {
        TestClock clock = new TestClock();
        Switchable backend = new Switchable("primary", clock);
        RateLimiter limiter = RateLimiter.builder().policy(policy).backend(backend).clock(clock).build();
        limiter.tryAcquire("flood", 3);
        Decision denied = limiter.tryAcquire("flood");
        assertThat(denied.source()).isEqualTo(Decision.Source.BACKEND);
        assertThat(denied.allowed()).isFalse();
        int calls = backend.calls.get();
        clock.advance(Duration.ofMinutes(10));
        for (int i = 0; i < 1000; i++) {
            Decision local = limiter.tryAcquire("flood");
            assertThat(local.allowed()).isFalse();
            assertThat(local.source()).isEqualTo(Decision.Source.LOCAL_BLOCK_CACHE);
            assertThat(local.retryAfter()).isEqualTo(denied.retryAfter().minusMinutes(10));
        }
        assertThat(backend.calls.get()).as("the flood cost the backend nothing").isEqualTo(calls);
        assertThat(limiter.tryAcquire("other").source()).isEqualTo(Decision.Source.BACKEND);
        clock.advance(denied.retryAfter().minusMinutes(10));
        Decision after = limiter.tryAcquire("flood");
        assertThat(after.source()).isEqualTo(Decision.Source.BACKEND);
        assertThat(after.allowed()).isTrue();
    }

    @Test
    void reset_clearsTheBlockCache() {
        TestClock clock = new TestClock();
        RateLimiter limiter = RateLimiter.builder().policy(policy).clock(clock).build();
        limiter.tryAcquire("k", 3);
        assertThat(limiter.tryAcquire("k").allowed()).isFalse();
        assertThat(limiter.tryAcquire("k").source()).isEqualTo(Decision.Source.LOCAL_BLOCK_CACHE);
        limiter.reset("k");
        assertThat(limiter.tryAcquire("k").allowed()).isTrue();
    }
}
