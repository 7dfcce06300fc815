package dev.ratelimit;

/** The state of a backend's circuit breaker. */
public enum BreakerState {
    /** Calls go to the backend. */
    CLOSED,
    /** The backend failed repeatedly: calls skip it, at once, to the next fallback. */
    OPEN,
    /** The open interval has passed: a background probe decides whether to close again. */
    HALF_OPEN
}
