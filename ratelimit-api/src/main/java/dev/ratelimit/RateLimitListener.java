package dev.ratelimit;

/**
 * Receives a {@link RateLimiter}'s events, for metrics and logs. Every method does nothing by
 * default, so new events never break an implementation; override the ones you need.
 *
 * <p>Methods are called on the deciding thread (or the backend's I/O thread for asynchronous
 * calls) and must be quick and thread-safe. An exception thrown by a listener is caught and
 * logged; it never reaches the caller of the limiter.
 */
public interface RateLimitListener {

    /** A listener that ignores every event. */
    RateLimitListener NONE = new RateLimitListener() {};

    /**
     * One listener that passes every event to each of {@code listeners} in order — a limiter takes
     * one listener; metrics and your own can both hear it. An exception from one is logged and does
     * not keep the event from the others.
     *
     * @param listeners the listeners, in the order they hear each event; read once, so later
     *     changes to the list are not seen; {@link #NONE} entries are left out
     * @return one listener for all of them: {@link #NONE} if none is left, the one (guarded) if
     *     one is left
     * @throws NullPointerException if {@code listeners} or one of its elements is null
     */
    static RateLimitListener all(java.util.List<? extends RateLimitListener> listeners) {
        return AllListeners.of(listeners);
    }

    /**
     * A request ({@code tryAcquire} or {@code tryAcquireAsync}, not a peek) was decided: allowed or
     * not, by whom ({@link Decision#source()}, a fail-open answer included).
     *
     * @param key the caller key the request was counted against, as given to the limiter
     * @param decision the decision returned to the caller
     * @param elapsedNanos how long the decision took, from the call to its answer
     */
    default void onDecision(String key, Decision decision, long elapsedNanos) {}

    /**
     * A backend failed or missed the deadline; the decision was passed to the next fallback or the
     * failure policy.
     *
     * @param backend the backend's name
     * @param failure what went wrong (a {@link java.util.concurrent.TimeoutException} for a missed deadline)
     */
    default void onBackendFailure(String backend, Throwable failure) {}

    /**
     * A fallback answered because the backends before it failed, missed the deadline or had their
     * circuit breaker open; {@link Decision#fallback()} names it too. Called for peeks as well as
     * requests.
     *
     * @param key the caller key, as given to the limiter
     * @param fallback the name of the backend that answered
     */
    default void onFallback(String key, String fallback) {}

    /**
     * A backend's circuit breaker changed state.
     *
     * @param backend the breaker's name: the backend's name, or the backend's and a part's (as in
     *     {@link RateLimiter#breakerStates()})
     * @param from the state it left
     * @param to the state it entered
     */
    default void onBreakerStateChange(String backend, BreakerState from, BreakerState to) {}
}
