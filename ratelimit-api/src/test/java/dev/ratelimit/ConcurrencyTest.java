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
}
