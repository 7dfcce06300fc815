package dev.ratelimit.spring;

import dev.ratelimit.RateLimitListener;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When each backend last failed (or missed its deadline), heard from the limiters: a backend
 * whose calls fail while its breaker is still closed sends decisions to a fallback, and its health
 * says so. Records nothing on the decision path.
 */
final class BackendFailures implements RateLimitListener {

    private final Map<String, Long> lastFailureNanos = new ConcurrentHashMap<>();

    @Override
    public void onBackendFailure(String backend, Throwable failure) {
        lastFailureNanos.put(BackendHealth.backendOf(backend), System.nanoTime());
    }

    /** Nanoseconds since {@code backend} last failed, or -1 if it has not. */
    long sinceLastFailure(String backend) {
        Long at = lastFailureNanos.get(backend);
        return at == null ? -1 : System.nanoTime() - at;
    }
}
