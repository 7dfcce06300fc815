package dev.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ConcurrencyTest {

    @ParameterizedTest
    @EnumSource(Limit.Algorithm.class)
    void manyThreadsOnOneKey_admitExactlyTheLimit(Limit.Algorithm algorithm) throws Exception {
        Limit limit = Limit.of(1_000, Duration.ofHours(1));
        limit = switch (algorithm) {
            case FIXED_WINDOW -> limit;
            case SLIDING_WINDOW -> limit.slidingWindow();
            case TOKEN_BUCKET -> limit.tokenBucket();
        };
        TestClock clock = new TestClock();
        try (RateLimiter limiter = RateLimiter.inMemory(Policy.of("hot", limit), clock)) {
            AtomicInteger admitted = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < 2_000; i++) {
                        if (limiter.tryAcquire("one-key").allowed()) {
                            admitted.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(1, TimeUnit.MINUTES);
            }
            pool.shutdown();
            assertThat(admitted.get()).isEqualTo(1_000);
        }
    }

    /** Every limit of a policy is consumed together or not at all, whatever the interleaving. */
    @ParameterizedTest
    @EnumSource(Limit.Algorithm.class)
    void multiLimitPolicy_underContention_consumesEveryLimitTogether(Limit.Algorithm algorithm) throws Exception {
        Limit tight = Limit.of(700, Duration.ofMinutes(1));
        tight = switch (algorithm) {
            case FIXED_WINDOW -> tight;
            case SLIDING_WINDOW -> tight.slidingWindow();
            case TOKEN_BUCKET -> tight.tokenBucket();
        };
        Policy policy = Policy.of("multi", tight, Limit.of(1_000, Duration.ofHours(1)).tokenBucket(),
                Limit.of(900, Duration.ofDays(1)).slidingWindow());
        TestClock clock = new TestClock();
        try (RateLimiter limiter = RateLimiter.inMemory(policy, clock)) {
            AtomicInteger admittedPermits = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int permits = 1 + t % 3;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < 1_000; i++) {
                        if (limiter.tryAcquire("one-key", permits).allowed()) {
                            admittedPermits.addAndGet(permits);
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(1, TimeUnit.MINUTES);
            }
            pool.shutdown();
            int admitted = admittedPermits.get();
            // The tightest limit fills (a request of 1 is always among those still trying)...
            assertThat(admitted).isEqualTo(700);
            // ...and each other limit gave up exactly what was admitted, no more.
            List<Decision> each = limiter.peek("one-key").perLimit();
            assertThat(each).extracting(Decision::remaining).containsExactly(0L, 300L, 200L);
        }
    }
}
