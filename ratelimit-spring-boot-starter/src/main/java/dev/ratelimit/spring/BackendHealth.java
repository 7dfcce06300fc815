package dev.ratelimit.spring;

import dev.ratelimit.BreakerState;
import dev.ratelimit.RateLimiter;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The health of one backend, such as {@code redis}, over every limiter that uses it: DOWN while a
 * limiter's breaker for it is open (decisions skip it and go to the fallback or the failure
 * policy); UP with {@code "degraded": true} while a breaker of one of its parts (a Cluster node) is
 * open, a breaker probes (half open), or it failed in the last 10 seconds — decisions then came
 * from a fallback; UP otherwise.
 */
final class BackendHealth implements HealthIndicator {

    static final Duration RECENT = Duration.ofSeconds(10);

    private final String backend;
    private final RateLimiters limiters;
    private final BackendFailures failures;

    BackendHealth(String backend, RateLimiters limiters, BackendFailures failures) {
        this.backend = backend;
        this.limiters = limiters;
        this.failures = failures;
    }

    /** The backend a breaker belongs to: {@code redis} for {@code redis} and {@code redis 10.0.0.5:6379}. */
    static String backendOf(String breaker) {
        int space = breaker.indexOf(' ');
        return space < 0 ? breaker : breaker.substring(0, space);
    }

    @Override
    public Health health() {
        boolean open = false;
        boolean degraded = false;
        Map<String, String> breakers = new TreeMap<>();
        for (RateLimiter limiter : limiters.all().values()) {
            for (Map.Entry<String, BreakerState> breaker :
                    limiter.breakerStates().entrySet()) {
                if (!backendOf(breaker.getKey()).equals(backend)) {
                    continue;
                }
                BreakerState state = breaker.getValue();
                breakers.put(
                        limiter.policy().name() + (breaker.getKey().equals(backend) ? "" : " " + breaker.getKey()),
                        state.name());
                if (state == BreakerState.OPEN && breaker.getKey().equals(backend)) {
                    open = true;
                } else if (state != BreakerState.CLOSED) {
                    degraded = true;
                }
            }
        }
        long since = failures.sinceLastFailure(backend);
        boolean recentFailure = since >= 0 && since < RECENT.toNanos();
        Health.Builder health = open ? Health.down() : Health.up();
        health.withDetail("breakers", breakers);
        if (!open && (degraded || recentFailure)) {
            health.withDetail("degraded", true);
        }
        if (since >= 0) {
            health.withDetail("lastFailure", Duration.ofNanos(since).toSeconds() + " s ago");
        }
        return health.build();
    }
}
