package dev.ratelimit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one guard around a user's listener: an exception it throws is logged, never passed to the caller. */
final class GuardedListener implements RateLimitListener {

    private static final Logger LOG = LoggerFactory.getLogger(RateLimitListener.class);

    private final RateLimitListener listener;

    private GuardedListener(RateLimitListener listener) {
        this.listener = listener;
    }

    static RateLimitListener of(RateLimitListener listener) {
        return listener == RateLimitListener.NONE || listener instanceof GuardedListener
                ? listener
                : new GuardedListener(listener);
    }

    @Override
    public void onDecision(String key, Decision decision, long elapsedNanos) {
        try {
            listener.onDecision(key, decision, elapsedNanos);
        } catch (RuntimeException e) {
            threw("onDecision", e);
        }
    }

    @Override
    public void onBackendFailure(String backend, Throwable failure) {
        try {
            listener.onBackendFailure(backend, failure);
        } catch (RuntimeException e) {
            threw("onBackendFailure", e);
        }
    }

    @Override
    public void onFallback(String key, String fallback) {
        try {
            listener.onFallback(key, fallback);
        } catch (RuntimeException e) {
            threw("onFallback", e);
        }
    }

    @Override
    public void onBreakerStateChange(String backend, BreakerState from, BreakerState to) {
        try {
            listener.onBreakerStateChange(backend, from, to);
        } catch (RuntimeException e) {
            threw("onBreakerStateChange", e);
        }
    }

    private static void threw(String method, RuntimeException e) {
        LOG.warn("RateLimitListener.{} threw; ignored", method, e);
    }
}
