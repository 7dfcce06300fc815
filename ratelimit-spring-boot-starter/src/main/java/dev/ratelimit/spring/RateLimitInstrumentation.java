package dev.ratelimit.spring;

import dev.ratelimit.EmailStore;
import dev.ratelimit.RateLimiter;

/**
 * What an optional integration (the metrics) adds to each limiter and to the email store once they
 * are built; a type of the starter's own, so that the core configuration never names a class that
 * may be missing.
 */
interface RateLimitInstrumentation {

    /** Observes a limiter the application uses. */
    void bind(RateLimiter limiter);

    /** The store to use in place of {@code store}. */
    EmailStore bind(EmailStore store);
}
