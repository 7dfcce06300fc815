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
import java.util.function.IntConsumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ConcurrencyTest {

    @ParameterizedTest
    @EnumSource(Limit.Algorithm.class)
    void manyThreadsOnOneKey_admitExactlyTheLimit(Limit.Algorithm algorithm) throws Exception {
        Limit limit = Limit.of(1_000, Duration.ofHours(1)).with(algorithm);
        try (RateLimiter limiter = RateLimiter.inMemory(Policy.of("hot", limit), new TestClock())) {
            AtomicInteger admitted = new AtomicInteger();
            onEightThreads(thread -> {
                for (int i = 0; i < 2_000; i++) {
                    if (limiter.tryAcquire("one-key").allowed()) {
                        admitted.incrementAndGet();
                    }
                }
            });
            assertThat(admitted.get()).isEqualTo(1_000);
        }
    }

    /** Every limit of a policy is consumed together or not at all, whatever the interleaving. */
    @ParameterizedTest
    @EnumSource(Limit.Algorithm.class)
    void multiLimitPolicy_underContention_consumesEveryLimitTogether(Limit.Algorithm algorithm) throws Exception {
        Policy policy = Policy.of(
                "multi",
                Limit.of(700, Duration.ofMinutes(1)).with(algorithm),
                Limit.of(1_000, Duration.ofHours(1)).tokenBucket(),
                Limit.of(900, Duration.ofDays(1)).slidingWindow());
        try (RateLimiter limiter = RateLimiter.inMemory(policy, new TestClock())) {
            AtomicInteger admittedPermits = new AtomicInteger();
            onEightThreads(thread -> {
                int permits = 1 + thread % 3;
                for (int i = 0; i < 1_000; i++) {
                    if (limiter.tryAcquire("one-key", permits).allowed()) {
                        admittedPermits.addAndGet(permits);
                    }
                }
            });
            // The tightest limit fills (a request of 1 is always among those still trying)...
            assertThat(admittedPermits.get()).isEqualTo(700);
            // ...and each other limit gave up exactly what was admitted, no more.
            List<Decision> each = limiter.peek("one-key", 0).perLimit();
            assertThat(each).extracting(Decision::remaining).containsExactly(0L, 300L, 200L);
        }
    }

    /** Runs {@code body} on eight threads released together, and waits for all of them. */
    private static void onEightThreads(IntConsumer body) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    body.accept(thread);
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(1, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
