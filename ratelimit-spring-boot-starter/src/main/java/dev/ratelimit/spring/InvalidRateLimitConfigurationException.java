package dev.ratelimit.spring;

/**
 * A {@code ratelimit.*} property (or the environment variable it falls back to) that cannot be
 * used; start-up stops with a message that names it and says what is wrong, never a secret.
 */
public final class InvalidRateLimitConfigurationException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String property;
    private final String reason;

    /**
     * @param property the property, such as {@code ratelimit.redis.url}, or the variable
     * @param reason what is wrong, free of secrets
     */
    InvalidRateLimitConfigurationException(String property, String reason) {
        super(property + ": " + reason);
        this.property = property;
        this.reason = reason;
    }

    /** The property or environment variable that is wrong. */
    public String property() {
        return property;
    }

    /** What is wrong with it. */
    public String reason() {
        return reason;
    }
}
