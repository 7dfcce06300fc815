package dev.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

    private final Policy generate = Policy.of("generate", Limit.perHour(5));

    /** A backend whose answers the test chooses: the limiter's own behaviour is under test. */
    private static final class ScriptedBackend implements RateLimitBackend {
        CompletableFuture<Decision> next = new CompletableFuture<>();
        RuntimeException throwOnEvaluate;

        @Override
        public CompletionStage<Decision> evaluate(String key, Policy policy, long permits) {
            if (throwOnEvaluate != null) {
                throw throwOnEvaluate;
            }
            return next;
        }

        @Override
        public CompletionStage<Decision> peek(String key, Policy policy, long permits) {
            return evaluate(key, policy, permits);
        }

        @Override
        public CompletionStage<Void> reset(String key, Policy policy) {
            return CompletableFuture.failedFuture(new IllegalStateException("connection refused"));
        }

        @Override
        public String name() {
            return "scripted";
        }
    }

    @Test
    void inMemory_isTheFirstCodeBlockOfTheReadme() {
        TestClock clock = new TestClock();
        try (RateLimiter limiter = RateLimiter.inMemory(generate, clock)) {
            for (int i = 0; i < 5; i++) {
                assertThat(limiter.tryAcquire("203.0.113.7").allowed()).isTrue();
            }
            Decision sixth = limiter.tryAcquire("203.0.113.7");
            assertThat(sixth.allowed()).isFalse();
            assertThat(sixth.retryAfter()).isEqualTo(Duration.ofHours(1));
            clock.advance(Duration.ofHours(1));
            assertThat(limiter.tryAcquire("203.0.113.7").allowed()).isTrue();
        }
    }

    @Test
    void hangingBackend_failsOpenWithinTheDeadline() {
        ScriptedBackend backend = new ScriptedBackend();
        List<Throwable> failures = new ArrayList<>();
        RateLimiter limiter = RateLimiter.builder()
                .policy(generate)
                .backend(backend)
                .deadline(Duration.ofMillis(50))
                .listener(new RateLimitListener() {
                    @Override
                    public void onBackendFailure(String name, Throwable failure) {
                        failures.add(failure);
                    }
                })
                .build();
        long start = System.nanoTime();
        Decision d = limiter.tryAcquire("k", 2);
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(d.allowed()).isTrue();
        assertThat(d.source()).isEqualTo(Decision.Source.FAIL_OPEN);
        assertThat(d.remaining()).isEqualTo(3);
        assertThat(tookMillis).isBetween(45L, 5_000L);
        assertThat(failures).singleElement().isInstanceOf(TimeoutException.class);
    }

    @Test
    void failingBackend_failsClosedWhenToldTo() {
        ScriptedBackend backend = new ScriptedBackend();
        backend.next.completeExceptionally(
                new IllegalStateException("READONLY You can't write against a read only replica"));
        RateLimiter limiter = RateLimiter.builder()
                .policy(generate)
                .backend(backend)
                .failurePolicy(FailurePolicy.FAIL_CLOSED)
                .build();
        Decision d = limiter.tryAcquire("k");
        assertThat(d.allowed()).isFalse();
        assertThat(d.source()).isEqualTo(Decision.Source.FAIL_CLOSED);
        assertThat(d.retryAfter()).isEqualTo(Duration.ofSeconds(1));
        assertThat(d.remaining()).isZero();
    }

    @Test
    void backendThatThrows_neverReachesTheCaller() {
        ScriptedBackend backend = new ScriptedBackend();
        backend.throwOnEvaluate = new IllegalStateException("boom");
        RateLimiter limiter =
                RateLimiter.builder().policy(generate).backend(backend).build();
        assertThat(limiter.tryAcquire("k").source()).isEqualTo(Decision.Source.FAIL_OPEN);
        assertThat(limiter.tryAcquireAsync("k", 1).toCompletableFuture().join().source())
                .isEqualTo(Decision.Source.FAIL_OPEN);
    }

    @Test
    void asyncHangingBackend_completesAtTheDeadline() throws Exception {
        ScriptedBackend backend = new ScriptedBackend();
        RateLimiter limiter = RateLimiter.builder()
                .policy(generate)
                .backend(backend)
                .deadline(Duration.ofMillis(20))
                .failurePolicy(FailurePolicy.FAIL_CLOSED)
                .build();
        CompletableFuture<Decision> pending = limiter.tryAcquireAsync("k", 1).toCompletableFuture();
        Decision d = pending.get(5, TimeUnit.SECONDS);
        assertThat(d.source()).isEqualTo(Decision.Source.FAIL_CLOSED);
        assertThat(backend.next).as("the backend's own future is left alone").isNotDone();
    }

    @Test
    void asyncAnswer_passesThrough() throws Exception {
        ScriptedBackend backend = new ScriptedBackend();
        RateLimiter limiter =
                RateLimiter.builder().policy(generate).backend(backend).build();
        CompletableFuture<Decision> pending = limiter.tryAcquireAsync("k", 1).toCompletableFuture();
        Decision answer = Decision.ofLimit(generate, 0, true, 4, 3_600_000_000L, 0);
        backend.next.complete(answer);
        assertThat(pending.get(5, TimeUnit.SECONDS)).isEqualTo(answer);
    }

    @Test
    void throwingListener_neverReachesTheCaller() {
        RateLimiter limiter = RateLimiter.builder()
                .policy(generate)
                .listener(new RateLimitListener() {
                    @Override
                    public void onDecision(String key, Decision decision, long elapsedNanos) {
                        throw new IllegalStateException("listener bug");
                    }
                })
                .build();
        assertThat(limiter.tryAcquire("k").allowed()).isTrue();
    }

    @Test
    void listener_hearsAllowedAndDeniedButNotPeeks() {
        List<String> events = new ArrayList<>();
        RateLimiter limiter = RateLimiter.builder()
                .policy(Policy.of("one", Limit.perHour(1)))
                .listener(new RateLimitListener() {
                    @Override
                    public void onDecision(String key, Decision decision, long elapsedNanos) {
                        assertThat(elapsedNanos).isNotNegative();
                        events.add((decision.allowed() ? "allowed " : "denied ") + key);
                    }
                })
                .build();
        limiter.tryAcquire("a");
        limiter.peek("a");
        limiter.tryAcquire("a");
        assertThat(events).containsExactly("allowed a", "denied a");
    }

    @Test
    void programmerErrors_throwIllegalArgument() {
        RateLimiter limiter = RateLimiter.inMemory(generate);
        assertThatThrownBy(() -> limiter.tryAcquire(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.tryAcquire("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.tryAcquire("k", -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.tryAcquire("k", 6))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "permits 6 exceed the capacity 5 of limit 0 (5 per PT1H (fixed window)) of policy 'generate'");
        assertThatThrownBy(() -> limiter.tryAcquireAsync("k", 6)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void peek_onAnExhaustedKey_isDeniedWithTheExactRetryAfter() {
        TestClock clock = new TestClock();
        RateLimiter limiter = RateLimiter.inMemory(generate, clock);
        limiter.tryAcquire("k", 5);
        Decision peek = limiter.peek("k");
        assertThat(peek.allowed())
                .as("what a request for one permit would be told")
                .isFalse();
        assertThat(peek.remaining()).isZero();
        Decision request = limiter.tryAcquire("k");
        assertThat(request.allowed()).isFalse();
        assertThat(peek.retryAfter()).isPositive().isEqualTo(request.retryAfter());
        assertThat(limiter.peek("k", 0).allowed())
                .as("asking for nothing is always allowed")
                .isTrue();
    }

    @Test
    void peek_isTheDecisionOfThatRequest_consumingNothing() {
        TestClock clock = new TestClock();
        RateLimiter limiter = RateLimiter.inMemory(generate, clock);
        limiter.tryAcquire("k", 2);
        for (int i = 0; i < 3; i++) {
            Decision three = limiter.peek("k", 3);
            assertThat(three.allowed()).isTrue();
            assertThat(three.remaining()).as("left after those 3").isZero();
            assertThat(limiter.peek("k", 4).allowed()).isFalse();
            assertThat(limiter.peek("k", 0).remaining()).isEqualTo(3);
        }
        Decision peeked = limiter.peek("k", 3);
        assertThat(limiter.tryAcquire("k", 3))
                .as("the request gets what its peek said")
                .isEqualTo(peeked);
        assertThat(limiter.peek("k", 0).remaining()).isZero();
    }

    @Test
    void reset_restoresThePeekedQuota() {
        TestClock clock = new TestClock();
        RateLimiter limiter = RateLimiter.inMemory(generate, clock);
        limiter.tryAcquire("k", 5);
        limiter.reset("k");
        assertThat(limiter.peek("k", 0).remaining()).isEqualTo(5);
        assertThat(limiter.peek("k").remaining()).isEqualTo(4);
    }

    @Test
    void resetOnAFailingBackend_saysSo() {
        RateLimiter limiter = RateLimiter.builder()
                .policy(generate)
                .backend(new ScriptedBackend())
                .build();
        assertThatThrownBy(() -> limiter.reset("k"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("scripted")
                .hasRootCauseMessage("connection refused");
    }

    @Test
    void builder_validates() {
        assertThatThrownBy(() -> RateLimiter.builder().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("policy");
        assertThatThrownBy(() -> RateLimiter.builder().deadline(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("deadline");
        assertThatThrownBy(() -> RateLimiter.builder().circuitBreaker(0, 20, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("failures");
        assertThatThrownBy(() -> RateLimiter.builder().circuitBreaker(21, 20, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("21 of 20");
        assertThatThrownBy(() -> RateLimiter.builder().blockCache(5).blockCache(6))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("blockCache was already set");
        assertThatThrownBy(() -> RateLimiter.builder()
                        .policy(generate)
                        .backend(RateLimitBackend.inMemory())
                        .fromEnvironment()
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("fromEnvironment");
        assertThatThrownBy(() -> RateLimiter.builder().blockCache(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
