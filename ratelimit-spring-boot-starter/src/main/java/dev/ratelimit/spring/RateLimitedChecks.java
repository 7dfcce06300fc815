package dev.ratelimit.spring;

import org.springframework.web.method.HandlerMethod;

/** The start-up check of a {@link RateLimited} handler: its policy exists and its key parses. */
final class RateLimitedChecks {

    private static final KeyExpressions EXPRESSIONS = new KeyExpressions();

    private RateLimitedChecks() {}

    /** @throws InvalidRateLimitConfigurationException naming the handler method */
    static void check(HandlerMethod method, RateLimiters limiters) {
        RateLimited annotation = EXPRESSIONS.annotation(method.getMethod(), method.getBeanType());
        if (annotation == null) {
            return;
        }
        String where = "@RateLimited on " + method.getBeanType().getName() + "."
                + method.getMethod().getName();
        if (limiters.find(annotation.policy()) == null) {
            throw new InvalidRateLimitConfigurationException(
                    where,
                    "there is no policy named '" + annotation.policy()
                            + "'; there are " + limiters.all().keySet()
                            + " (from ratelimit.policies, the rules' own limits "
                            + "and RateLimiter beans)");
        }
        if (annotation.permits() < 1
                || annotation.permits()
                        > limiters.get(annotation.policy()).policy().capacity()) {
            throw new InvalidRateLimitConfigurationException(
                    where, "permits must be between 1 and the policy's capacity");
        }
        try {
            EXPRESSIONS.check(annotation);
        } catch (IllegalArgumentException e) {
            throw new InvalidRateLimitConfigurationException(where, String.valueOf(e.getMessage()));
        }
    }
}
