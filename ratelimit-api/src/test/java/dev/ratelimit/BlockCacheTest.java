package dev.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The local block cache answers only what it can answer exactly: each of its answers equals the
 * backend's own peek at that instant, and anything else goes to the backend.
 */
class BlockCacheTest {

    private final TestClock clock = new TestClock();
    private final RateLimitBackend memory = RateLimitBackend.inMemory(clock, 1000);
    private final AtomicInteger backendCalls = new AtomicInteger();

    /** The in-memory backend, counting the calls that reach it. */
    private final RateLimitBackend counted = new RateLimitBackend() {
        @Override
        public CompletionStage<Decision> evaluate(String key, Policy policy, long permits) {
            backendCalls.incrementAndGet();
            return memory.evaluate(key, policy, permits);
        }

        @Override
        public CompletionStage<Decision> peek(String key, Policy policy, long permits) {
            backendCalls.incrementAndGet();
            return memory.peek(key, policy, permits);
        }

        @Override
        public CompletionStage<Void> reset(String key, Policy policy) {
            return memory.reset(key, policy);
        }

        @Override
        public String name() {
            return "counted";
        }
    };

    private RateLimiter limiter(Policy policy) {
        return RateLimiter.builder()
                .policy(policy)
                .backend(counted)
                .clock(clock)
                .build();
    }

    /** What the backend itself says a request for {@code permits} would get now. */
    private Decision truth(Policy policy, String key, long permits) {
        return memory.peek(key, policy, permits).toCompletableFuture().join();
    }

    private void assertExact(Decision answer, Policy policy, String key, long permits) {
        Decision truth = truth(policy, key, permits);
        assertThat(answer.allowed()).isEqualTo(truth.allowed());
        assertThat(answer.remaining()).isEqualTo(truth.remaining());
        assertThat(answer.retryAfter()).isEqualTo(truth.retryAfter());
        assertThat(answer.resetAfter()).isEqualTo(truth.resetAfter());
        assertThat(answer.perLimit())
                .extracting(Decision::remaining)
                .isEqualTo(truth.perLimit().stream().map(Decision::remaining).toList());
    }

    @Test
    void aLargerRequestThanTheDeniedOne_getsItsOwnExactRetryAfter() {
        Policy policy = Policy.of(
                "bucket", Limit.of(3, Duration.ofSeconds(1)).tokenBucket().burst(5));
        RateLimiter limiter = limiter(policy);
        assertThat(limiter.tryAcquire("k", 4).allowed()).isTrue();
        clock.advanceMicros(1);
        Decision two = limiter.tryAcquire("k", 2);
        assertThat(two.allowed()).isFalse();
        assertThat(two.retryAfter()).isEqualTo(Duration.ofNanos(333_333_000L));
        clock.advanceMicros(1);
        Decision five = limiter.tryAcquire("k", 5);
        assertThat(five.source()).isEqualTo(Decision.Source.LOCAL_BLOCK_CACHE);
        assertThat(five.retryAfter()).as("the exact wait for 5 permits").isEqualTo(Duration.ofNanos(1_333_334_000L));
        assertExact(five, policy, "k", 5);
    }

    @Test
    void afterASmallerRequestIsAdmitted_theCacheDoesNotAnswerWithTheOldFigures() {
        Policy policy = Policy.of("fixed", Limit.perMinute(3));
        RateLimiter limiter = limiter(policy);
        limiter.tryAcquire("k", 2);
        assertThat(limiter.tryAcquire("k", 2).allowed()).isFalse();
        Decision one = limiter.tryAcquire("k", 1);
        assertThat(one.allowed()).isTrue();
        Decision again = limiter.tryAcquire("k", 2);
        assertThat(again.allowed()).isFalse();
        assertThat(again.remaining()).as("0 remain after the admitted request").isZero();
        assertExact(again, policy, "k", 2);
    }

    @Test
    void slidingWindow_theCacheNeverAnswersWithAFrozenEstimate() {
        Policy policy =
                Policy.of("sliding", Limit.of(10, Duration.ofSeconds(100)).slidingWindow());
        RateLimiter limiter = limiter(policy);
        clock.advanceMicros(100_000_000L - clock.nowMicros() % 100_000_000L);
        limiter.tryAcquire("k", 10);
        clock.advance(Duration.ofSeconds(100));
        for (int step = 0; step < 2_000; step++) {
            clock.advance(Duration.ofMillis(37));
            for (long permits : new long[] {1, 3}) {
                Decision d = limiter.tryAcquire("k", permits);
                if (d.source() == Decision.Source.LOCAL_BLOCK_CACHE || !d.allowed()) {
                    assertExact(d, policy, "k", permits);
                }
            }
        }
    }

    @Test
    void aFloodOnADeniedKey_costsTheBackendNothing_andEveryAnswerIsExact() {
        Policy policy = Policy.of(
                "flood", Limit.perHour(5), Limit.of(2, Duration.ofSeconds(10)).tokenBucket());
        RateLimiter limiter = limiter(policy);
        limiter.tryAcquire("k", 2);
        assertThat(limiter.tryAcquire("k").allowed()).isFalse();
        int callsAfterTheDenial = backendCalls.get();
        for (int i = 0; i < 1_000; i++) {
            clock.advanceMicros(4_000);
            Decision d = limiter.tryAcquire("k");
            assertThat(d.allowed()).isFalse();
            assertThat(d.source()).isEqualTo(Decision.Source.LOCAL_BLOCK_CACHE);
            assertExact(d, policy, "k", 1);
        }
        assertThat(backendCalls.get()).isEqualTo(callsAfterTheDenial);
        clock.advance(Duration.ofSeconds(1));
        assertThat(limiter.tryAcquire("k").allowed())
                .as("allowed once the bucket has a token")
                .isTrue();
    }

    @Test
    void reset_forgetsTheKey() {
        Policy policy = Policy.of("reset", Limit.perHour(1));
        RateLimiter limiter = limiter(policy);
        limiter.tryAcquire("k");
        assertThat(limiter.tryAcquire("k").allowed()).isFalse();
        limiter.reset("k");
        assertThat(limiter.tryAcquire("k").allowed()).isTrue();
    }
}
