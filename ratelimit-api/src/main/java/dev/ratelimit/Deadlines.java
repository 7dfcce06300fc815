package dev.ratelimit;

import java.time.Duration;
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
 * It sleeps until the earliest deadline of a call still pending, and at most 10 ms, so that
 * finished calls are let go soon; a call watched with a deadline earlier than the sweeper's next
 * wake-up wakes it. Sweeps are at least 1 ms apart, however often it is woken — in a storm of
 * timeouts each sweep fails every call then overdue. So an overdue call fails within about 1 ms of
 * its deadline (give or take the operating system's timer), and a busy limiter whose calls answer
 * well within their deadlines costs about one sweep per 10 ms rather than one per call or per
 * millisecond. Cheaper under load than a scheduled task per call ({@code
 * CompletableFuture.orTimeout}), whose shared timer queue is one lock for every caller.
 *
 * <p>Timed-out calls' dependent stages (the next backend, a listener) run on the sweeper thread.
 */
final class Deadlines {

    private static final Deadlines SHARED =
            new Deadlines("ratelimit-deadlines", Duration.ofMillis(10), Duration.ofMillis(1), Duration.ofSeconds(10));

    private record Watch(CompletableFuture<?> call, long deadlineNanos) {}

    private final String threadName;
    private final long maxSleepNanos;
    private final long minGapNanos;
    private final long idleExitNanos;
    private final ConcurrentLinkedQueue<Watch> watched = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean();

    /**
     * The earliest deadline watched since the sweeper last began a sweep; reset at each sweep to the
     * latest it would sleep until, so that every comparison stays a difference of two nanoTimes.
     */
    private final AtomicLong soonestNew = new AtomicLong();

    /** When the sweeper will next sweep, as {@link System#nanoTime()}; meaningful while it runs. */
    private volatile long wakeAt;

    private volatile @Nullable Thread sweeper;

    /** Deadlines with their own sweeper thread: one for the JVM ({@link #watch}), others for tests. */
    Deadlines(String threadName, Duration maxSleep, Duration minGap, Duration idleExit) {
        this.threadName = threadName;
        this.maxSleepNanos = maxSleep.toNanos();
        this.minGapNanos = minGap.toNanos();
        this.idleExitNanos = idleExit.toNanos();
    }

    /** Fails {@code call} with a {@link TimeoutException} if it is not complete by {@code deadlineNanos}. */
    static void watch(CompletableFuture<?> call, long deadlineNanos) {
        SHARED.add(call, deadlineNanos);
    }

    void add(CompletableFuture<?> call, long deadlineNanos) {
        watched.offer(new Watch(call, deadlineNanos));
        for (long soonest = soonestNew.get(); deadlineNanos - soonest < 0; soonest = soonestNew.get()) {
            if (soonestNew.compareAndSet(soonest, deadlineNanos)) {
                break;
            }
        }
        if (!running.get() && running.compareAndSet(false, true)) {
            start();
        } else if (deadlineNanos - wakeAt < 0) {
            LockSupport.unpark(sweeper);
        }
    }

    /** When the sweeper plans to sweep next (for tests: it has swept and is asleep until then). */
    long wakeAt() {
        return wakeAt;
    }

    private void start() {
        Thread thread = new Thread(this::sweep, threadName);
        thread.setDaemon(true);
        sweeper = thread;
        try {
            thread.start();
        } catch (RuntimeException | Error e) {
            // The next call watched tries again.
            running.set(false);
            throw e;
        }
    }

    // The order of the steps is what keeps a deadline from being slept through: a call watched before
    // soonestNew is reset is in the queue when the sweep's iterator is created; one watched after it
    // either lowered soonestNew before it is read below, or reads wakeAt after it is first written
    // and wakes the sweeper if its deadline is earlier. wakeAt is written a second time only to lower
    // it, so a call that read the first value and did not wake the sweeper is due no earlier than the
    // second.
    private void sweep() {
        try {
            long idleSince = System.nanoTime();
            for (; ; ) {
                long now = System.nanoTime();
                long next = now + maxSleepNanos;
                soonestNew.set(next);
                for (Iterator<Watch> it = watched.iterator(); it.hasNext(); ) {
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
                long floor = now + minGapNanos;
                next = later(next, floor);
                wakeAt = next;
                long soonest = soonestNew.get();
                if (soonest - next < 0) {
                    next = later(soonest, floor);
                    wakeAt = next;
                }
                if (!watched.isEmpty()) {
                    idleSince = now;
                } else if (now - idleSince > idleExitNanos) {
                    running.set(false);
                    // A call watched after the check above must not be left without a sweeper.
                    if (watched.isEmpty() || !running.compareAndSet(false, true)) {
                        return;
                    }
                }
                // Until next, or until woken by a call due sooner (or spuriously); never before floor.
                park(next);
                sleepUntil(floor);
            }
        } catch (RuntimeException | Error e) {
            // The next call watched starts a new sweeper.
            running.set(false);
            throw e;
        }
    }

    private static long later(long a, long b) {
        return a - b < 0 ? b : a;
    }

    /** Sleeps until {@code until}, or less if unparked; a callback's leftover interrupt does not cut it short. */
    private static void park(long until) {
        long wait = until - System.nanoTime();
        if (wait > 0) {
            Thread.interrupted();
            LockSupport.parkNanos(wait);
        }
    }

    /** Sleeps until {@code until}, unparked or not. */
    private static void sleepUntil(long until) {
        for (long wait; (wait = until - System.nanoTime()) > 0; ) {
            Thread.interrupted();
            LockSupport.parkNanos(wait);
        }
    }
}
