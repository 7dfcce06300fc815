package dev.ratelimit.spring;

import dev.ratelimit.RateLimiter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The application's rate limiters, one per policy, by the policy's name: those built from
 * {@code ratelimit.policies} and the rules' own limits, and every {@link RateLimiter} bean of the
 * application's, which takes the place of the one the starter would build for its policy. Path
 * rules, {@code @RateLimited}, the health indicator and the metrics all use them.
 *
 * <pre>{@code
 * @Autowired RateLimiters limiters;
 * Decision left = limiters.get("generate").peek(clientKey, 0);
 * }</pre>
 *
 * <p>Closing it closes the limiters the starter built (Spring does that on shutdown), not the
 * application's own. Thread-safe.
 */
public final class RateLimiters implements AutoCloseable {

    private final Map<String, RateLimiter> byPolicy;
    private final List<RateLimiter> owned;

    RateLimiters(Map<String, RateLimiter> byPolicy, List<RateLimiter> owned) {
        this.byPolicy = Collections.unmodifiableMap(new LinkedHashMap<>(byPolicy));
        this.owned = List.copyOf(owned);
    }

    /**
     * The limiter of the policy named {@code policy}.
     *
     * @param policy the policy's name
     * @return its limiter
     * @throws IllegalArgumentException naming the policies there are, if there is none of that name
     */
    public RateLimiter get(String policy) {
        RateLimiter limiter = byPolicy.get(policy);
        if (limiter == null) {
            throw new IllegalArgumentException("no rate-limit policy named '" + policy + "'; there are "
                    + byPolicy.keySet() + " (ratelimit.policies, the rules' own limits, and RateLimiter beans)");
        }
        return limiter;
    }

    /**
     * The limiter of the policy named {@code policy}, or null.
     *
     * @param policy the policy's name
     * @return its limiter, or null if there is no policy of that name
     */
    public @Nullable RateLimiter find(String policy) {
        return byPolicy.get(policy);
    }

    /**
     * {@return every limiter by its policy's name; unmodifiable} The application's
     * {@code RateLimiter} beans come first, then those the starter built, in the order their
     * policies are configured.
     */
    public Map<String, RateLimiter> all() {
        return byPolicy;
    }

    /** Closes the limiters the starter built; idempotent. */
    @Override
    public void close() {
        owned.forEach(RateLimiter::close);
    }

    @Override
    public String toString() {
        return "RateLimiters" + byPolicy.keySet();
    }
}
