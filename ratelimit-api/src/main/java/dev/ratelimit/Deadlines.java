package dev.ratelimit;

import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * Fails asynchronous backend calls that outlive their deadline. One daemon thread for the whole
 * JVM, started when the first call is watched and ended after 10 s with nothing to watch, sweeps
 * the watched calls: finished ones are dropped, overdue ones failed with a {@link TimeoutException}.
 * It sleeps until the earliest deadline of a call still pending, and at most {@value #MAX_SLEEP_MS}
 * ms, so that finished calls are let go soon; a call watched with a deadline earlier than the
 * sweeper's next wake-up wakes it. So an overdue call fails at its deadline (give or take the
 * operating system's timer), and a busy limiter whose calls answer well within their deadlines
 * costs at most one sweep per {@value #MAX_SLEEP_MS} ms rather than one per call or per
 * millisecond. Cheaper under load than a scheduled task per call ({@code
 * CompletableFuture.orTimeout}), whose shared timer queue is one lock for every caller.
 */
final class Deadlines {

    private static final int MAX_SLEEP_MS = 10;
    private static final long MAX_SLEEP_NANOS = MAX_SLEEP_MS * 1_000_000L;
    private static final long IDLE_EXIT_NANOS = 10_000_000_000L;
    private static final ConcurrentLinkedQueue<Watch> WATCHED = new ConcurrentLinkedQueue<>();
    private static final AtomicBoolean RUNNING = new AtomicBoolean();

    /** The earliest deadline watched since the sweeper last began a sweep ({@code Long.MAX_VALUE}: none). */
    private static final AtomicLong SOONEST_NEW = new AtomicLong(Long.MAX_VALUE);

    /** When the sweeper will next sweep, as {@link System#nanoTime()}; meaningful while it runs. */
    private static volatile long wakeAt;

    private static volatile @Nullable Thread sweeper;

    private record Watch(CompletableFuture<?> call, long deadlineNanos) {}

    private Deadlines() {}

    /** Fails {@code call} with a {@link TimeoutException} if it is not complete by {@code deadlineNanos}. */
    static void watch(CompletableFuture<?> call, long deadlineNanos) {
        WATCHED.offer(new Watch(call, deadlineNanos));
        for (long soonest = SOONEST_NEW.get(); deadlineNanos - soonest < 0; soonest = SOONEST_NEW.get()) {
            if (SOONEST_NEW.compareAndSet(soonest, deadlineNanos)) {
                break;
            }
        }
        if (!RUNNING.get() && RUNNING.compareAndSet(false, true)) {
            Thread thread = new Thread(Deadlines::sweep, "ratelimit-deadlines");
            thread.setDaemon(true);
            sweeper = thread;
            thread.start();
        } else if (deadlineNanos - wakeAt < 0) {
            LockSupport.unpark(sweeper);
        }
    }

    // The order of the steps is what keeps a deadline from being slept through: a call watched before
    // SOONEST_NEW is reset is in the queue when the sweep's iterator is created; one watched after it
    // either lowered SOONEST_NEW before it is read below, or reads wakeAt after it is written and
    // wakes the sweeper if its deadline is earlier.
    private static void sweep() {
        long idleSince = System.nanoTime();
        for (; ; ) {
            SOONEST_NEW.set(Long.MAX_VALUE);
            long now = System.nanoTime();
            long next = now + MAX_SLEEP_NANOS;
            for (Iterator<Watch> it = WATCHED.iterator(); it.hasNext(); ) {
                Watch watch = it.next();
                if (watch.call.isDone()) {
                    it.remove();
                } else if (now - watch.deadlineNanos >= 0) {
                    it.remove();
                    watch.call.completeExceptionally(new TimeoutException("no answer before the deadline"));
                } else if (watch.deadlineNanos - next < 0) {
                    next = watch.deadlineNanos;
                }
            }
            wakeAt = next;
            long soonest = SOONEST_NEW.get();
            if (soonest - next < 0) {
                next = soonest;
                wakeAt = next;
            }
            if (!WATCHED.isEmpty()) {
                idleSince = now;
            } else if (now - idleSince > IDLE_EXIT_NANOS) {
                RUNNING.set(false);
                // A call watched after the check above must not be left without a sweeper.
                if (WATCHED.isEmpty() || !RUNNING.compareAndSet(false, true)) {
                    return;
                }
            }
            LockSupport.parkNanos(Math.max(next - System.nanoTime(), 0));
        }
    }
}
