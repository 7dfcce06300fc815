package dev.ratelimit.micrometer;

import dev.ratelimit.BreakerState;
import dev.ratelimit.Decision;
import dev.ratelimit.RateLimitListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two listeners as one, for a limiter, which takes one. Each call to each is guarded: the limiter
 * guards the listener it is given, but one guard around both would let the first's exception keep
 * the event from the second.
 */
final class Listeners implements RateLimitListener {

    private static final Logger LOG = LoggerFactory.getLogger(RateLimitListener.class);

    private final RateLimitListener first;
    private final RateLimitListener second;

    private Listeners(RateLimitListener first, RateLimitListener second) {
        this.first = first;
        this.second = second;
    }

    static RateLimitListener both(RateLimitListener first, RateLimitListener second) {
        return second == RateLimitListener.NONE ? first : new Listeners(first, second);
    }

    @Override
    public void onDecision(String key, Decision decision, long elapsedNanos) {
        try {
            first.onDecision(key, decision, elapsedNanos);
        } catch (RuntimeException e) {
            threw("onDecision", e);
        }
        try {
            second.onDecision(key, decision, elapsedNanos);
        } catch (RuntimeException e) {
            threw("onDecision", e);
        }
    }

    @Override
    public void onBackendFailure(String backend, Throwable failure) {
        try {
            first.onBackendFailure(backend, failure);
        } catch (RuntimeException e) {
            threw("onBackendFailure", e);
        }
        try {
            second.onBackendFailure(backend, failure);
        } catch (RuntimeException e) {
            threw("onBackendFailure", e);
        }
    }

    @Override
    public void onFallback(String key, String fallback) {
        try {
            first.onFallback(key, fallback);
        } catch (RuntimeException e) {
            threw("onFallback", e);
        }
        try {
            second.onFallback(key, fallback);
        } catch (RuntimeException e) {
            threw("onFallback", e);
        }
    }

    @Override
    public void onBreakerStateChange(String backend, BreakerState from, BreakerState to) {
        try {
            first.onBreakerStateChange(backend, from, to);
        } catch (RuntimeException e) {
            threw("onBreakerStateChange", e);
        }
        try {
            second.onBreakerStateChange(backend, from, to);
        } catch (RuntimeException e) {
            threw("onBreakerStateChange", e);
        }
    }

    private static void threw(String method, RuntimeException e) {
        LOG.warn("RateLimitListener.{} threw; ignored", method, e);
    }
}
