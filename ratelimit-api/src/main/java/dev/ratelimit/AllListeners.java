package dev.ratelimit;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Several listeners as one; each is guarded on its own, so one that throws costs the others nothing. */
final class AllListeners implements RateLimitListener {

    private final RateLimitListener[] listeners;

    private AllListeners(RateLimitListener[] listeners) {
        this.listeners = listeners;
    }

    static RateLimitListener of(List<? extends RateLimitListener> listeners) {
        List<RateLimitListener> guarded = new ArrayList<>();
        for (RateLimitListener listener : listeners) {
            if (Objects.requireNonNull(listener, "listener") != NONE) {
                guarded.add(GuardedListener.of(listener));
            }
        }
        return guarded.isEmpty()
                ? NONE
                : guarded.size() == 1 ? guarded.get(0) : new AllListeners(guarded.toArray(RateLimitListener[]::new));
    }

    @Override
    public void onDecision(String key, Decision decision, long elapsedNanos) {
        for (RateLimitListener listener : listeners) {
            listener.onDecision(key, decision, elapsedNanos);
        }
    }

    @Override
    public void onBackendFailure(String backend, Throwable failure) {
        for (RateLimitListener listener : listeners) {
            listener.onBackendFailure(backend, failure);
        }
    }

    @Override
    public void onFallback(String key, String fallback) {
        for (RateLimitListener listener : listeners) {
            listener.onFallback(key, fallback);
        }
    }

    @Override
    public void onBreakerStateChange(String backend, BreakerState from, BreakerState to) {
        for (RateLimitListener listener : listeners) {
            listener.onBreakerStateChange(backend, from, to);
        }
    }
}
