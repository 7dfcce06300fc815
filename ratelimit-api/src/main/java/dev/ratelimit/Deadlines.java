package dev.ratelimit;

import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Fails asynchronous backend calls that outlive their deadline. One daemon thread for the whole
 * JVM, started when the first call is watched and ended after 10 s with nothing to watch, sweeps
 * the watched calls every millisecond: finished ones are dropped, overdue ones failed with a
 * {@link TimeoutException}. Cheaper under load than a scheduled task per call
 * ({@code CompletableFuture.orTimeout}), whose shared timer queue is one lock for every caller.
 */
final class Deadlines {

    private static final long TICK_NANOS = 1_000_000L;
    private static final long IDLE_EXIT_NANOS = 10_000_000_000L;
    private static final ConcurrentLinkedQueue<Watch> WATCHED = new ConcurrentLinkedQueue<>();
    private static final AtomicBoolean RUNNING = new AtomicBoolean();

    private record Watch(CompletableFuture<?> call, long deadlineNanos) {}

    private Deadlines() {}

    /** Fails {@code call} with a {@link TimeoutException} if it is not complete by {@code deadlineNanos}. */
    static void watch(CompletableFuture<?> call, long deadlineNanos) {
        WATCHED.offer(new Watch(call, deadlineNanos));
        if (!RUNNING.get() && RUNNING.compareAndSet(false, true)) {
            Thread sweeper = new Thread(Deadlines::sweep, "ratelimit-deadlines");
            sweeper.setDaemon(true);
            sweeper.start();
        }
    }

    private static void sweep() {
        long idleSince = System.nanoTime();
        for (; ; ) {
            LockSupport.parkNanos(TICK_NANOS);
            long now = System.nanoTime();
            for (Iterator<Watch> it = WATCHED.iterator(); it.hasNext(); ) {
                Watch watch = it.next();
                if (watch.call.isDone()) {
                    it.remove();
                } else if (now - watch.deadlineNanos >= 0) {
                    it.remove();
                    watch.call.completeExceptionally(new TimeoutException("no answer before the deadline"));
                }
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
        }
    }
}
