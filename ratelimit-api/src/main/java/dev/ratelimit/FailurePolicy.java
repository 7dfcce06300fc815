package dev.ratelimit;

/** What a {@link RateLimiter} answers when no backend can decide within the deadline. */
public enum FailurePolicy {
    /**
     * Allow the request ({@link Decision.Source#FAIL_OPEN}): the service keeps serving while its
     * limits are not enforced. The default.
     */
    FAIL_OPEN,
    /**
     * Deny the request ({@link Decision.Source#FAIL_CLOSED}) with {@code retryAfter} set to the
     * circuit breaker's open interval: nothing gets through that the limits cannot vouch for.
     */
    FAIL_CLOSED
}
