package dev.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The limiter's own failure handling — breakers, fallbacks, block cache, deadlines — against a
 * backend whose health the test switches. The same behaviour against real Redis and Upstash
 * processes is tested in the redis, upstash and examples modules.
 */
class ResilienceTest {

    private final Policy policy = Policy.of("resilience", Limit.perHour(3));
    private final TestClock clock = new TestClock();

    /**
     * Healthy: delegates to an in-memory backend; failing: fails; hanging: never answers; manual:
     * answers when the test completes the call. Keys the test marks as sick fail whatever the mode.
     */
    private static final class Switchable implements RateLimitBackend {
        enum Mode {
            HEALTHY,
            FAILING,
            HANGING,
            MANUAL
        }

        final RateLimitBackend memory;
        final String name;
        final Duration deadline;
        volatile Mode mode = Mode.HEALTHY;
        volatile Predicate<String> sick = key -> false;
        final AtomicInteger calls = new AtomicInteger();
        final List<CompletableFuture<Decision>> manual = new CopyOnWriteArrayList<>();
        final List<java.util.function.Consumer<Object>> connected = new CopyOnWriteArrayList<>();

        Switchable(String name, Clock clock, Duration deadline) {
            this.name = name;
            this.deadline = deadline;
            this.memory = RateLimitBackend.inMemory(clock, 1000);
        }

        private CompletionStage<Decision> call(String key, CompletionStage<Decision> healthy) {
            calls.incrementAndGet();
            if (sick.test(key)) {
                return CompletableFuture.failedFuture(new IllegalStateException(name + " node is down"));
            }
            return switch (mode) {
                case HEALTHY -> healthy;
                case FAILING -> CompletableFuture.failedFuture(new IllegalStateException(name + " is down"));
                case HANGING -> new CompletableFuture<>();
                case MANUAL -> {
                    CompletableFuture<Decision> call = new CompletableFuture<>();
                    manual.add(call);
                    yield call;
                }
            };
        }

        @Override
        public CompletionStage<Decision> evaluate(String key, Policy policy, long permits) {
            return call(key, memory.evaluate(key, policy, permits));
        }

        @Override
        public CompletionStage<Decision> peek(String key, Policy policy, long permits) {
            return call(key, memory.peek(key, policy, permits));
        }

        @Override
        public CompletionStage<Void> reset(String key, Policy policy) {
            return mode == Mode.HEALTHY
                    ? memory.reset(key, policy)
                    : CompletableFuture.failedFuture(new IllegalStateException(name + " is down"));
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Duration deadline() {
            return deadline;
        }

        /** Keys are spread over two parts, by their first letter. */
        @Override
        public Object partition(String key) {
            return "node-" + key.charAt(0);
        }

        @Override
        public AutoCloseable whenConnected(java.util.function.Consumer<Object> listener) {
            connected.add(listener);
            return () -> connected.remove(listener);
        }
    }

    /** Records the limiter's breaker transitions and backend failures. */
    private static final class Events implements RateLimitListener {
        final List<String> transitions = new CopyOnWriteArrayList<>();
        final List<Throwable> failures = new CopyOnWriteArrayList<>();

        @Override
        public void onBreakerStateChange(String backend, BreakerState from, BreakerState to) {
            transitions.add(backend + " " + from + "->" + to);
        }

        @Override
        public void onBackendFailure(String backend, Throwable failure) {
            failures.add(failure);
        }
    }

    private Switchable primary() {
        return new Switchable("primary", clock, Duration.ofSeconds(5));
    }

    private RateLimiter.Builder limiter(Switchable primary, Events events) {
        return RateLimiter.builder()
                .policy(policy)
                .backend(primary)
                .fallback(RateLimitBackend.inMemory(clock, 1000))
                .clock(clock)
                .blockCache(0)
                .listener(events);
    }

    @Test
    void aFewFailures_amongSuccesses_leaveTheBreakerClosed() {
        Switchable primary = primary();
        Events events = new Events();
        RateLimiter limiter = limiter(primary, events)
                .circuitBreaker(10, 20, Duration.ofSeconds(1))
                .build();
        for (int round = 0; round < 50; round++) {
            primary.mode = round % 3 == 0 ? Switchable.Mode.FAILING : Switchable.Mode.HEALTHY;
            limiter.peek("a" + round);
        }
        assertThat(events.failures).hasSize(17);
        assertThat(events.transitions)
                .as("a third of the calls failed: below the rate")
                .isEmpty();
    }

    @Test
    void aFailureRate_opensTheBreaker_andTheFallbackAnswersWithoutAskingThePrimary() {
        Switchable primary = primary();
        Events events = new Events();
        RateLimiter limiter = limiter(primary, events)
                .circuitBreaker(10, 20, Duration.ofMillis(200))
                .build();
        assertThat(limiter.tryAcquire("a").source()).isEqualTo(Decision.Source.BACKEND);
        primary.mode = Switchable.Mode.FAILING;
        for (int i = 0; i < 10; i++) {
            Decision d = limiter.tryAcquire("a");
            assertThat(d.source()).isEqualTo(Decision.Source.FALLBACK);
            assertThat(d.fallback()).isEqualTo("memory");
        }
        assertThat(events.transitions).containsExactly("primary node-a CLOSED->OPEN");
        int callsWhenOpened = primary.calls.get();
        for (int i = 0; i < 50; i++) {
            assertThat(limiter.peek("a").fallback()).isEqualTo("memory");
        }
        assertThat(primary.calls.get()).as("an open breaker skips the primary").isEqualTo(callsWhenOpened);

        primary.mode = Switchable.Mode.HEALTHY;
        assertThat(limiter.peek("a").fallback())
                .as("open until its interval passes")
                .isEqualTo("memory");
        clock.advance(Duration.ofMillis(200));
        limiter.peek("a"); // the interval has passed: this call sends the probe, which closes the breaker
        assertThat(limiter.peek("a").source()).isEqualTo(Decision.Source.BACKEND);
        assertThat(events.transitions)
                .containsExactly(
                        "primary node-a CLOSED->OPEN",
                        "primary node-a OPEN->HALF_OPEN",
                        "primary node-a HALF_OPEN->CLOSED");
    }

    @Test
    void aLateSuccess_neverClosesAnOpenBreaker() {
        Switchable primary = primary();
        Events events = new Events();
        RateLimiter limiter = limiter(primary, events)
                .circuitBreaker(2, 2, Duration.ofMinutes(1))
                .build();
        primary.mode = Switchable.Mode.MANUAL;
        List<CompletableFuture<Decision>> inFlight = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            inFlight.add(limiter.tryAcquireAsync("a", 1).toCompletableFuture());
        }
        primary.manual.get(0).completeExceptionally(new IllegalStateException("reset by peer"));
        primary.manual.get(1).completeExceptionally(new IllegalStateException("reset by peer"));
        assertThat(events.transitions).containsExactly("primary node-a CLOSED->OPEN");
        primary.manual.get(2).complete(Decision.ofLimit(policy, 0, true, 2, 1, 0));
        assertThat(inFlight.get(2).join().source())
                .as("the late answer still answers its caller")
                .isEqualTo(Decision.Source.BACKEND);
        assertThat(events.transitions).as("but leaves the breaker open").containsExactly("primary node-a CLOSED->OPEN");
        assertThat(limiter.peek("a").fallback()).isEqualTo("memory");
    }

    @Test
    void aReconnect_sendsTheProbeAtOnce() {
        Switchable primary = primary();
        Events events = new Events();
        RateLimiter limiter = limiter(primary, events)
                .circuitBreaker(3, 3, Duration.ofMinutes(10))
                .build();
        primary.mode = Switchable.Mode.FAILING;
        for (int i = 0; i < 3; i++) {
            limiter.tryAcquire("a");
        }
        assertThat(events.transitions).containsExactly("primary node-a CLOSED->OPEN");
        primary.mode = Switchable.Mode.HEALTHY;
        assertThat(limiter.peek("a").fallback())
                .as("ten minutes before its probe")
                .isEqualTo("memory");
        primary.connected.forEach(listener -> listener.accept("node-b"));
        assertThat(limiter.peek("a").fallback()).as("another part reconnected").isEqualTo("memory");
        primary.connected.forEach(listener -> listener.accept("node-a"));
        limiter.peek("a"); // the backend reconnected: this call sends the probe
        assertThat(limiter.peek("a").source()).isEqualTo(Decision.Source.BACKEND);
        assertThat(events.transitions).endsWith("primary node-a HALF_OPEN->CLOSED");
    }

    @Test
    void eachPartition_hasItsOwnBreaker() {
        Switchable primary = primary();
        Events events = new Events();
        RateLimiter limiter = limiter(primary, events)
                .circuitBreaker(5, 10, Duration.ofMinutes(1))
                .build();
        primary.sick = key -> key.startsWith("a");
        for (int i = 0; i < 100; i++) {
            assertThat(limiter.peek("a" + i).source()).isIn(Decision.Source.FALLBACK);
            assertThat(limiter.peek("b" + i).source())
                    .as("a key on the healthy part")
                    .isEqualTo(Decision.Source.BACKEND);
        }
        assertThat(events.transitions).containsExactly("primary node-a CLOSED->OPEN");
        assertThat(events.failures)
                .as("the sick part is skipped once its breaker opened")
                .hasSize(5);
    }

    @Test
    void aHangingPrimary_failsAtItsOwnDeadline_andTheFallbackAnswers() {
        Switchable primary = new Switchable("primary", clock, Duration.ofMillis(30));
        primary.mode = Switchable.Mode.HANGING;
        Events events = new Events();
        RateLimiter limiter = limiter(primary, events).build();
        Decision d = limiter.tryAcquire("a");
        assertThat(d.fallback()).isEqualTo("memory");
        assertThat(events.failures).singleElement().isInstanceOf(TimeoutException.class);
        Decision async = limiter.tryAcquireAsync("a", 1).toCompletableFuture().join();
        assertThat(async.fallback()).isEqualTo("memory");
        assertThat(events.failures).hasSize(2).allMatch(f -> f instanceof TimeoutException);
    }

    @Test
    void theLimitersDeadline_cutsABackendsShort_andMemoryStillAnswers() {
        Switchable primary = new Switchable("primary", clock, Duration.ofMinutes(1));
        primary.mode = Switchable.Mode.HANGING;
        Events events = new Events();
        RateLimiter limiter =
                limiter(primary, events).deadline(Duration.ofMillis(30)).build();
        assertThat(limiter.tryAcquire("a").fallback())
                .as("no time was left, and memory answers at once")
                .isEqualTo("memory");
        assertThat(events.failures).singleElement().isInstanceOf(TimeoutException.class);
    }

    @Test
    void everyBackendDown_theFailurePolicyAnswers_failClosedWithTheOpenInterval() {
        Switchable primary = primary();
        Switchable fallback = new Switchable("fallback", clock, Duration.ofSeconds(5));
        primary.mode = Switchable.Mode.FAILING;
        fallback.mode = Switchable.Mode.FAILING;
        RateLimiter limiter = RateLimiter.builder()
                .policy(policy)
                .backend(primary)
                .fallback(fallback)
                .failurePolicy(FailurePolicy.FAIL_CLOSED)
                .circuitBreaker(2, 4, Duration.ofSeconds(7))
                .build();
        for (int i = 0; i < 5; i++) {
            Decision d = limiter.tryAcquire("a");
            assertThat(d.source()).isEqualTo(Decision.Source.FAIL_CLOSED);
            assertThat(d.retryAfter()).isEqualTo(Duration.ofSeconds(7));
        }
    }

    @Test
    void aDeniedKey_isDeniedLocally_untilItsRetryTime() {
        Switchable backend = primary();
        RateLimiter limiter = RateLimiter.builder()
                .policy(policy)
                .backend(backend)
                .clock(clock)
                .build();
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
        RateLimiter limiter = RateLimiter.builder()
                .policy(policy)
                .backend(primary())
                .clock(clock)
                .build();
        limiter.tryAcquire("k", 3);
        assertThat(limiter.tryAcquire("k").allowed()).isFalse();
        assertThat(limiter.tryAcquire("k").source()).isEqualTo(Decision.Source.LOCAL_BLOCK_CACHE);
        limiter.reset("k");
        assertThat(limiter.tryAcquire("k").allowed()).isTrue();
    }

    @Test
    void anInMemoryPrimary_answersDenialsItself_withNoBlockCacheInFront() {
        RateLimiter limiter = RateLimiter.builder().policy(policy).clock(clock).build();
        limiter.tryAcquire("k", 3);
        for (int i = 0; i < 3; i++) {
            Decision denied = limiter.tryAcquire("k");
            assertThat(denied.allowed()).isFalse();
            assertThat(denied.source()).isEqualTo(Decision.Source.BACKEND);
        }
        assertThat(limiter.blockedKeys()).isZero();
    }
}
