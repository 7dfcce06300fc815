package dev.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Interleavings that the contract suite, one thread at a time, cannot produce. */
class InMemoryBackendRaceTest {

    /**
     * Thread A reads the time, then stalls; thread B decides at a later time, in the next window.
     * A must then not decide on B's state with its older time: that would move the key back to
     * the previous window and wipe what B consumed in the new one.
     */
    @Test
    void aDecisionOvertakenByALaterOne_neverRewindsTheKeysWindow() throws Exception {
        TestClock time = new TestClock();
        time.advance(Duration.ofSeconds(59)); // window [0 s, 60 s) of a per-minute limit
        StallingClock clock = new StallingClock(time);
        InMemoryBackend backend = new InMemoryBackend(clock, 100);
        Policy policy = Policy.of("race", Limit.perMinute(2));
        assertThat(backend.decide("k", policy, 1).allowed()).isTrue(); // 1 of 2 at 59 s

        clock.stallNextRead(); // by the next thread that reads the clock: A
        CompletableFuture<Decision> a = CompletableFuture.supplyAsync(() -> backend.decide("k", policy, 1));
        assertThat(clock.stalled.await(10, TimeUnit.SECONDS)).isTrue();

        time.advance(Duration.ofSeconds(2)); // B, at 61 s: the next window, fresh
        assertThat(backend.decide("k", policy, 1).allowed()).isTrue();
        assertThat(backend.decide("k", policy, 1).allowed()).isTrue();
        clock.release.countDown();
        a.get(10, TimeUnit.SECONDS); // allowed at 59 s or denied at 61 s: both are right

        // Whatever A got, the new window's two permits are spent and stay spent.
        Decision next = backend.decide("k", policy, 1);
        assertThat(next.allowed()).isFalse();
        assertThat(next.retryAfter()).isEqualTo(Duration.ofSeconds(59));
    }

    /**
     * Thread A reads the time in a full window, then stalls; the key's state expires and is
     * dropped (an insertion's sweep) at a later time. A then finds no entry: it must decide on the
     * new one at a time no earlier than the drop, not in the full window it read the time in.
     */
    @Test
    void aDecisionThatFindsItsKeyDropped_decidesAfterTheDrop() throws Exception {
        TestClock time = new TestClock();
        time.advance(Duration.ofSeconds(10)); // window [0 s, 60 s) of a per-minute limit
        StallingClock clock = new StallingClock(time);
        InMemoryBackend backend = new InMemoryBackend(clock, 100);
        Policy policy = Policy.of("drop", Limit.perMinute(2));
        assertThat(backend.decide("k", policy, 1).allowed()).isTrue();
        assertThat(backend.decide("k", policy, 1).allowed()).isTrue(); // window [0 s, 60 s) is full

        time.advance(Duration.ofSeconds(49)); // 59 s
        clock.stallNextRead(); // by A
        CompletableFuture<Decision> a = CompletableFuture.supplyAsync(() -> backend.decide("k", policy, 1));
        assertThat(clock.stalled.await(10, TimeUnit.SECONDS)).isTrue();

        time.advance(Duration.ofSeconds(2)); // 61 s: the state of "k" has expired
        backend.decide("other", policy, 1); // its insertion sweeps "k" out
        assertThat(backend.trackedKeys()).isEqualTo(1);
        clock.release.countDown();
        assertThat(a.get(10, TimeUnit.SECONDS).allowed()).isTrue(); // at 61 s, in the new window

        // A's permit was taken from the window [60 s, 120 s): one more, then none.
        assertThat(backend.decide("k", policy, 1).allowed()).isTrue();
        assertThat(backend.decide("k", policy, 1).allowed()).isFalse();
    }

    /** A clock that, once asked, makes the next thread to read it wait after reading. */
    private static final class StallingClock implements Clock {
        final TestClock time;
        final CountDownLatch stalled = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private volatile boolean stallNext;

        StallingClock(TestClock time) {
            this.time = time;
        }

        void stallNextRead() {
            stallNext = true;
        }

        @Override
        public long nowMicros() {
            long now = time.nowMicros();
            if (stallNext) {
                stallNext = false;
                stalled.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return now;
        }
    }
}
