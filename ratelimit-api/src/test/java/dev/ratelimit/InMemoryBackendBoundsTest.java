package dev.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class InMemoryBackendBoundsTest {

    private final TestClock clock = new TestClock();
    private final Policy policy = Policy.of("bounded", Limit.perMinute(10));

    @Test
    void millionDistinctKeys_neverTrackMoreThanTheCap() {
        InMemoryBackend backend = new InMemoryBackend(clock, 1_000);
        int max = 0;
        for (int i = 0; i < 1_000_000; i++) {
            Decision d = backend.decide("client-" + i, policy, 1);
            assertThat(d.allowed()).isTrue();
            max = Math.max(max, backend.trackedKeys());
            if (i % 1000 == 0) {
                clock.advanceMicros(37);
            }
        }
        assertThat(max).isEqualTo(1_000);
        assertThat(backend.trackedKeys()).isLessThanOrEqualTo(1_000);
    }

    @Test
    void millionDistinctKeysFromFourThreads_neverTrackMoreThanTheCap() throws Exception {
        InMemoryBackend backend = new InMemoryBackend(clock, 500);
        AtomicInteger max = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                final int thread = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 250_000; i++) {
                        backend.decide(thread + ":" + i, policy, 1);
                        max.accumulateAndGet(backend.trackedKeys(), Math::max);
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(max.get()).isLessThanOrEqualTo(500);
    }

    @Test
    void stateThatNoLongerMatters_isDroppedAsNewKeysArrive() {
        InMemoryBackend backend = new InMemoryBackend(clock, 100_000);
        for (int i = 0; i < 1_000; i++) {
            backend.decide("old-" + i, policy, 1);
        }
        assertThat(backend.trackedKeys()).isEqualTo(1_000);
        clock.advance(Duration.ofMinutes(1));
        for (int i = 0; i < 1_000; i++) {
            backend.decide("new-" + i, policy, 1);
        }
        assertThat(backend.trackedKeys()).isEqualTo(1_000);
    }

    @Test
    void peekOfAnUnknownKey_tracksNothing() {
        InMemoryBackend backend = new InMemoryBackend(clock, 10);
        assertThat(backend.decide("never", policy, 0).remaining()).isEqualTo(10);
        assertThat(backend.trackedKeys()).isZero();
    }

    @Test
    void atTheCap_expiredStateGoesBeforeLiveState() {
        Policy shortLived = Policy.of("short", Limit.of(1, Duration.ofSeconds(1)));
        InMemoryBackend backend = new InMemoryBackend(clock, 2);
        backend.decide("live", policy, 10);
        backend.decide("expiring", shortLived, 1);
        clock.advance(Duration.ofSeconds(2));
        backend.decide("newcomer", policy, 1);
        assertThat(backend.decide("live", policy, 1).allowed())
                .as("live state kept")
                .isFalse();
    }

    @Test
    void atTheCap_theOldestLiveKeyIsEvictedAndStartsAfresh() {
        InMemoryBackend backend = new InMemoryBackend(clock, 2);
        backend.decide("a", policy, 10);
        backend.decide("b", policy, 10);
        backend.decide("c", policy, 10);
        assertThat(backend.trackedKeys()).isEqualTo(2);
        assertThat(backend.decide("a", policy, 0).remaining())
                .as("evicted: full quota")
                .isEqualTo(10);
        assertThat(backend.decide("c", policy, 0).remaining()).isZero();
    }
}
