package dev.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
        CompletableFuture<Decision> a = stalledDecision(clock, backend, policy);

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
        CompletableFuture<Decision> a = stalledDecision(clock, backend, policy);

        time.advance(Duration.ofSeconds(2)); // 61 s: the state of "k" has expired
        backend.decide("other", policy, 1); // its insertion sweeps "k" out
        assertThat(backend.trackedKeys()).isEqualTo(1);
        clock.release.countDown();
        assertThat(a.get(10, TimeUnit.SECONDS).allowed()).isTrue(); // at 61 s, in the new window

        // A's permit was taken from the window [60 s, 120 s): one more, then none.
        assertThat(backend.decide("k", policy, 1).allowed()).isTrue();
        assertThat(backend.decide("k", policy, 1).allowed()).isFalse();
    }

    /**
     * A token bucket of 2 per minute (a permit every 30 s). Thread A reads the time at 29 s, then
     * stalls; B, at 31 s, takes a permit. A's request would be denied at 29 s on B's state and is
     * denied at 31 s too — but A must say when to retry from 31 s, a time read after the state
     * B installed, not from the 29 s it read before.
     */
    @Test
    void aBucketDenialOvertakenByALaterDecision_isDecidedAtALaterTime() throws Exception {
        TestClock time = new TestClock();
        StallingClock clock = new StallingClock(time);
        InMemoryBackend backend = new InMemoryBackend(clock, 100);
        Policy policy = Policy.of("bucket", Limit.perMinute(2).tokenBucket());
        assertThat(backend.decide("k", policy, 1).allowed()).isTrue();
        assertThat(backend.decide("k", policy, 1).allowed()).isTrue(); // empty at 0 s; a permit every 30 s

        time.advance(Duration.ofSeconds(29));
        clock.stallNextRead(); // by A
        CompletableFuture<Decision> a = stalledDecision(clock, backend, policy);

        time.advance(Duration.ofSeconds(2)); // B, at 31 s: the permit of 30 s
        assertThat(backend.decide("k", policy, 1).allowed()).isTrue();
        clock.release.countDown();

        Decision denied = a.get(10, TimeUnit.SECONDS);
        assertThat(denied.allowed()).isFalse();
        assertThat(denied.retryAfter()).isEqualTo(Duration.ofSeconds(29)); // the next permit at 60 s
        assertThat(backend.decide("k", policy, 1).retryAfter()).isEqualTo(Duration.ofSeconds(29));
    }

    /**
     * A token bucket of 3 per minute (a permit every 20 s). Thread A reads the time at 40 s, then
     * stalls; B, at 50 s, takes a permit. A's request is allowed on B's state even at 40 s: it
     * must leave the state a decision at 50 s would, and report its figures at its own reading,
     * which are never more generous than at 50 s.
     */
    @Test
    void anAllowedBucketDecisionOvertakenByALaterOne_leavesTheStateOfTheLaterTime() throws Exception {
        TestClock time = new TestClock();
        StallingClock clock = new StallingClock(time);
        InMemoryBackend backend = new InMemoryBackend(clock, 100);
        Policy policy = Policy.of("bucket", Limit.perMinute(3).tokenBucket());
        assertThat(backend.decide("k", policy, 1).allowed()).isTrue(); // at 0 s

        time.advance(Duration.ofSeconds(40)); // full again
        clock.stallNextRead(); // by A
        CompletableFuture<Decision> a = stalledDecision(clock, backend, policy);

        time.advance(Duration.ofSeconds(10)); // B, at 50 s
        Decision b = backend.decide("k", policy, 1);
        assertThat(b.allowed()).isTrue();
        assertThat(b.remaining()).isEqualTo(2);
        clock.release.countDown();

        Decision allowed = a.get(10, TimeUnit.SECONDS);
        assertThat(allowed.allowed()).isTrue();
        assertThat(allowed.remaining()).isZero(); // as at 40 s; 1 as at 50 s

        // At 50 s, after B and A: one permit left, as two decisions at 50 s would leave it.
        Decision last = backend.decide("k", policy, 1);
        assertThat(last.allowed()).isTrue();
        assertThat(last.remaining()).isZero();
        Decision next = backend.decide("k", policy, 1);
        assertThat(next.allowed()).isFalse();
        assertThat(next.retryAfter()).isEqualTo(Duration.ofSeconds(20));
    }

    /**
     * A token bucket of 2 per minute, emptied at 10 s (full again at 70 s). Thread A reads the time
     * at 69 s, then stalls; at 71 s the key's state has expired and is dropped. A must decide on
     * the new entry at a time no earlier than the drop.
     */
    @Test
    void aBucketDecisionThatFindsItsKeyDropped_decidesAfterTheDrop() throws Exception {
        TestClock time = new TestClock();
        time.advance(Duration.ofSeconds(10));
        StallingClock clock = new StallingClock(time);
        InMemoryBackend backend = new InMemoryBackend(clock, 100);
        Policy policy = Policy.of("bucket", Limit.perMinute(2).tokenBucket());
        assertThat(backend.decide("k", policy, 1).allowed()).isTrue();
        assertThat(backend.decide("k", policy, 1).allowed()).isTrue();

        time.advance(Duration.ofSeconds(59)); // 69 s
        clock.stallNextRead(); // by A
        CompletableFuture<Decision> a = stalledDecision(clock, backend, policy);

        time.advance(Duration.ofSeconds(2)); // 71 s: the state of "k" has expired
        backend.decide("other", policy, 1); // its insertion sweeps "k" out
        assertThat(backend.trackedKeys()).isEqualTo(1);
        clock.release.countDown();
        assertThat(a.get(10, TimeUnit.SECONDS).allowed()).isTrue(); // at 71 s, on a full bucket

        assertThat(backend.decide("k", policy, 1).allowed()).isTrue();
        Decision denied = backend.decide("k", policy, 1);
        assertThat(denied.allowed()).isFalse();
        assertThat(denied.retryAfter()).isEqualTo(Duration.ofSeconds(30)); // 28 s had A decided at 69 s
    }

    /**
     * A token bucket of 2 per minute, key new. Thread A reads the time at 10 s, finds the new entry,
     * reads the time again and stalls; B, at 11 s, takes the first permit. A's swap then fails, and
     * on B's state it is allowed at 11 s (the second permit) though it would be denied at 10 s: it
     * must decide on B's state at a time read after it, not at a time read before it.
     */
    @Test
    void aBucketDecisionWhoseNewEntryIsTakenMeanwhile_decidesAtATimeAfterTheNewState() throws Exception {
        TestClock time = new TestClock();
        time.advance(Duration.ofSeconds(10));
        StallingClock clock = new StallingClock(time);
        InMemoryBackend backend = new InMemoryBackend(clock, 100);
        Policy policy = Policy.of("bucket", Limit.perMinute(2).tokenBucket());

        clock.stallRead(2); // A's second reading: the one after it finds the new entry
        CompletableFuture<Decision> a = stalledDecision(clock, backend, policy);

        time.advance(Duration.ofSeconds(1)); // B, at 11 s
        Decision b = backend.decide("k", policy, 1);
        assertThat(b.allowed()).isTrue();
        assertThat(b.remaining()).isEqualTo(1);
        clock.release.countDown();

        Decision second = a.get(10, TimeUnit.SECONDS);
        assertThat(second.allowed()).as("the second permit, at 11 s").isTrue();
        assertThat(second.remaining()).isZero();
        Decision third = backend.decide("k", policy, 1);
        assertThat(third.allowed()).isFalse();
        assertThat(third.retryAfter()).isEqualTo(Duration.ofSeconds(30));
    }

    /** Starts A's decision on "k" in another thread; returns once A has read the clock and stalled. */
    private static CompletableFuture<Decision> stalledDecision(
            StallingClock clock, InMemoryBackend backend, Policy policy) throws InterruptedException {
        CompletableFuture<Decision> a = CompletableFuture.supplyAsync(() -> backend.decide("k", policy, 1));
        assertThat(clock.stalled.await(10, TimeUnit.SECONDS)).isTrue();
        return a;
    }

    /** A clock that, once asked, makes a coming reading wait after reading. */
    private static final class StallingClock implements Clock {
        final TestClock time;
        final CountDownLatch stalled = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private final AtomicInteger readsToStall = new AtomicInteger();

        StallingClock(TestClock time) {
            this.time = time;
        }

        void stallNextRead() {
            stallRead(1);
        }

        /** Makes the {@code n}th reading from now wait, after reading, until {@link #release}. */
        void stallRead(int n) {
            readsToStall.set(n);
        }

        @Override
        public long nowMicros() {
            long now = time.nowMicros();
            if (readsToStall.get() > 0 && readsToStall.decrementAndGet() == 0) {
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
