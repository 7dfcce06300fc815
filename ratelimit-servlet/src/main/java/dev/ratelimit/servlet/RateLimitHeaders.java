package dev.ratelimit.servlet;

import dev.ratelimit.Decision;
import dev.ratelimit.Policy;
import dev.ratelimit.http.QuotaHeaders;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Duration;

/**
 * How a response tells the client about its quota. {@link #IETF} (the default) writes the fields of
 * draft-ietf-httpapi-ratelimit-headers-10; the draft still moves, so the style is pluggable.
 */
@FunctionalInterface
public interface RateLimitHeaders {

    /**
     * Writes the quota headers for {@code decision} of a request under {@code policy}.
     * Implementations must be thread-safe.
     */
    void write(HttpServletResponse response, Policy policy, Decision decision);

    /**
     * {@code RateLimit-Policy: "generate";q=5;w=3600} and {@code RateLimit: "generate";r=3;t=1800},
     * one list item per limit (named {@code <policy>-<index>} when a policy has several). For a
     * token bucket, {@code q} is its capacity and {@code w} the time to refill it from empty.
     */
    RateLimitHeaders IETF = (response, policy, decision) -> QuotaHeaders.IETF.write(policy, decision, response::setHeader);

    /**
     * {@code X-RateLimit-Limit}, {@code X-RateLimit-Remaining} and {@code X-RateLimit-Reset}
     * (seconds from now until the full quota is back), for the governing limit.
     */
    RateLimitHeaders LEGACY = (response, policy, decision) -> QuotaHeaders.LEGACY.write(policy, decision, response::setHeader);

    /** No quota headers (a 429 still carries {@code Retry-After}). */
    RateLimitHeaders NONE = (response, policy, decision) -> {
    };

    /** Whole seconds, rounded up: what {@code Retry-After} and {@code t} carry. */
    static long seconds(Duration duration) {
        return QuotaHeaders.seconds(duration);
    }
}
