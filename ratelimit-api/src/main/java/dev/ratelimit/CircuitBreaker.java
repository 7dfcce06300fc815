package dev.ratelimit;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * A circuit breaker for one backend, or one partition of it (a Cluster node).
 *
 * <p>It opens when at least {@code failuresToOpen} of the last {@code window} calls failed (an
 * error or a missed deadline) — so one slow moment on a healthy backend never opens it. A call
 * that answered within its deadline is a success however long it took: the deadline is the
 * latency the caller accepts, and skipping a backend that still answers would trade the limit's
 * exactness for nothing the caller asked for. Calls made before the breaker existed count as
 * successes. While
 * it is open, calls skip the backend at once. Once its open interval has passed, or as soon as the
 * backend reports that it has reconnected, the next call finds the breaker due for a probe: it
 * turns half-open and exactly one probe goes out, whose success closes the breaker and whose
 * failure opens it again for twice as long as the last time (at most eight times
 * {@code openFor}), so a long outage costs a few probes rather than one a second. An outcome
 * counts only for the state it was started in: a late answer
 * from a call in flight when the breaker opened never closes it.
 *
 * <p>The fast path — closed, with only successes in the window — is two volatile reads.
 */
// Every write of the volatile fields happens under the breaker's lock; they are volatile for the
// lock-free reads of the fast path.
@SuppressWarnings("NonAtomicVolatileUpdate")
final class CircuitBreaker {

    /** Told about every state change, outside the breaker's lock. */
    interface Transitions {
        void changed(String name, BreakerState from, BreakerState to);
    }

    private final String name;
    private final int window;
    private final int failuresToOpen;
    private final long openNanos;
    private final LongSupplier nanoTime;
    private final Transitions transitions;

    /** Outcomes of the last {@code window} calls, oldest first from {@code next}: true if failed. */
    private final boolean[] outcomes;

    private int next;
    private int failures;
    private volatile boolean clean = true;

    private volatile BreakerState state = BreakerState.CLOSED;
    private volatile int epoch;
    private long openedAt;
    private long intervalNanos;
    private boolean reconnected;

    CircuitBreaker(
            String name,
            int window,
            int failuresToOpen,
            Duration openFor,
            LongSupplier nanoTime,
            Transitions transitions) {
        this.name = name;
        this.window = window;
        this.failuresToOpen = failuresToOpen;
        this.openNanos = openFor.toNanos();
        this.nanoTime = nanoTime;
        this.transitions = transitions;
        this.outcomes = new boolean[window];
    }

    /** Whether calls may go to the backend now (only when closed). */
    boolean allowsCalls() {
        return state == BreakerState.CLOSED;
    }

    /** The current state's number: pass it back with the outcome of a call started now. */
    int epoch() {
        return epoch;
    }

    /** The outcome of a call started in {@code epoch}: counted only if the breaker is still closed in it. */
    void record(int epoch, boolean failed) {
        if (!failed && clean) {
            return;
        }
        if (epoch != this.epoch || state != BreakerState.CLOSED) {
            return;
        }
        BreakerState from;
        synchronized (this) {
            if (epoch != this.epoch || state != BreakerState.CLOSED) {
                return;
            }
            failures += (failed ? 1 : 0) - (outcomes[next] ? 1 : 0);
            outcomes[next] = failed;
            next = (next + 1) % window;
            clean = failures == 0;
            if (failures < failuresToOpen) {
                return;
            }
            from = state;
            open();
        }
        transitions.changed(name, from, BreakerState.OPEN);
    }

    /**
     * Whether the caller should send the probe now: true at most once per open interval — when the
     * breaker is open and the interval has passed, or the backend reconnected — and the breaker is
     * then half-open in {@link #epoch()}.
     */
    boolean probeDue() {
        if (state != BreakerState.OPEN) {
            return false;
        }
        synchronized (this) {
            if (state != BreakerState.OPEN || (!reconnected && nanoTime.getAsLong() - openedAt < intervalNanos)) {
                return false;
            }
            state = BreakerState.HALF_OPEN;
            epoch++;
        }
        transitions.changed(name, BreakerState.OPEN, BreakerState.HALF_OPEN);
        return true;
    }

    /** The probe sent in {@code epoch} succeeded or failed. */
    void probed(int epoch, boolean ok) {
        BreakerState to;
        synchronized (this) {
            if (epoch != this.epoch || state != BreakerState.HALF_OPEN) {
                return;
            }
            if (ok) {
                state = BreakerState.CLOSED;
                epoch++;
                intervalNanos = 0;
                java.util.Arrays.fill(outcomes, false);
                failures = 0;
                clean = true;
                to = BreakerState.CLOSED;
            } else {
                open();
                to = BreakerState.OPEN;
            }
        }
        transitions.changed(name, BreakerState.HALF_OPEN, to);
    }

    /** The backend reports a new connection: an open breaker is due for its probe at once. */
    synchronized void reconnected() {
        if (state == BreakerState.OPEN) {
            reconnected = true;
        }
    }

    private void open() {
        intervalNanos = intervalNanos == 0 ? openNanos : Math.min(2 * intervalNanos, 8 * openNanos);
        state = BreakerState.OPEN;
        epoch++;
        openedAt = nanoTime.getAsLong();
        reconnected = false;
    }

    BreakerState state() {
        return state;
    }

    String name() {
        return name;
    }

    @Override
    public String toString() {
        return "CircuitBreaker[" + name + ", " + state + "]";
    }
}
