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
     *
     * @param response the response to the request, not yet committed
     * @param policy the policy of the rule that matched
     * @param decision the limiter's decision, allowed or denied
     */
    void write(HttpServletResponse response, Policy policy, Decision decision);

    /**
     * {@code RateLimit-Policy: "generate";q=5;w=3600} and {@code RateLimit: "generate";r=3;t=1800},
     * one list item per limit (named {@code <policy>-<index>} when a policy has several). For a
     * token bucket, {@code q} is its capacity and {@code w} the time to refill it from empty.
     */
    RateLimitHeaders IETF =
            (response, policy, decision) -> QuotaHeaders.IETF.write(policy, decision, response::setHeader);

    /**
     * {@code X-RateLimit-Limit} and {@code X-RateLimit-Remaining} for the governing limit, and
     * {@code X-RateLimit-Reset}: the seconds from now, rounded up, until every limit has its full
     * quota back.
     */
    RateLimitHeaders LEGACY =
            (response, policy, decision) -> QuotaHeaders.LEGACY.write(policy, decision, response::setHeader);

    /** No quota headers (a 429 still carries {@code Retry-After}). */
    RateLimitHeaders NONE = (response, policy, decision) -> {};

    /**
     * {@return {@code duration} in whole seconds, rounded up: what {@code Retry-After} and
     * {@code t} carry}
     *
     * @param duration a duration that is not negative
     */
    static long seconds(Duration duration) {
        return QuotaHeaders.seconds(duration);
    }
}
