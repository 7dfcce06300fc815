package dev.ratelimit;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * A per-backend circuit breaker: opens after {@code threshold} consecutive failures (errors or
 * missed deadlines); while open, calls skip the backend at once; after {@code openFor} it turns
 * half-open and grants exactly one probe, whose success closes it and whose failure opens it again.
 * The fast path (closed, no failures) is two volatile reads. 
 */
final class CircuitBreaker {

    /** Told about every state change, outside the breaker's lock. */
    interface Transitions {
        void changed(String backend, BreakerState from, BreakerState to);
    }

    private final String name;
    private final int threshold;
    private final long openNanos;
    private final LongSupplier nanoTime;
    private final Transitions transitions;

    private volatile BreakerState state = BreakerState.CLOSED;
    private volatile int failures;
    private long openedAt;
    private boolean probing;

    CircuitBreaker(String name, int threshold, Duration openFor, LongSupplier nanoTime, Transitions transitions) {
        if (threshold < 1) {
            throw new IllegalArgumentException("the failure threshold must be at least 1; got " + threshold);
        }
        this.name = name;
        this.threshold = threshold;
        this.openNanos = openFor.toNanos();
        this.nanoTime = nanoTime;
        this.transitions = transitions;
    }

    /** Whether calls may go to the backend now (only when closed). */
    boolean allowsCalls() {
        return state == BreakerState.CLOSED;
    }

    /**
     * Whether the caller should send a probe now: true at most once per open interval, when the
     * breaker is open and the interval has passed (the breaker is then half-open).
     */
    boolean probeDue() {
        if (state != BreakerState.OPEN) {
            return false;
        }
        BreakerState from;
        synchronized (this) {
            if (state != BreakerState.OPEN || probing || nanoTime.getAsLong() - openedAt < openNanos) {
                return false;
            }
            probing = true;
            from = state;
            state = BreakerState.HALF_OPEN;
        }
        transitions.changed(name, from, BreakerState.HALF_OPEN);
        return true;
    }

    /** A call (or the probe) succeeded. */
    void onSuccess() {
        if (state == BreakerState.CLOSED) {
            if (failures != 0) {
                failures = 0;
            }
            return;
        }
        BreakerState from;
        synchronized (this) {
            from = state;
            if (from == BreakerState.CLOSED) {
                return;
            }
            state = BreakerState.CLOSED;
            failures = 0;
            probing = false;
        }
        transitions.changed(name, from, BreakerState.CLOSED);
    }

    /** A call (or the probe) failed or missed its deadline. */
    void onFailure() {
        BreakerState from;
        synchronized (this) {
            from = state;
            if (from == BreakerState.CLOSED && ++failures < threshold) {
                return;
            }
            if (from == BreakerState.OPEN) {
                return;
            }
            state = BreakerState.OPEN;
            openedAt = nanoTime.getAsLong();
            probing = false;
        }
        transitions.changed(name, from, BreakerState.OPEN);
    }

    BreakerState state() {
        return state;
    }

    Duration openFor() {
        return Duration.ofNanos(openNanos);
    }

    @Override
    public String toString() {
        return "CircuitBreaker[" + name + ", " + state + "]";
    }
}
