package dev.ratelimit.spring;

/**
 * A {@code ratelimit.*} property (or the environment variable it falls back to) that cannot be
 * used; start-up stops with a message that names it and says what is wrong, never a secret.
 */
public final class InvalidRateLimitConfigurationException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** The property or environment variable that is wrong. */
    private final String property;

    /** What is wrong with it, free of secrets. */
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

    /**
     * {@return the property that is wrong, such as {@code ratelimit.redis.url} or
     * {@code ratelimit.rules[0].path}; the environment variable when the value came from one;
     * {@code ratelimit} when a backend's complaint names no single one}
     */
    public String property() {
        return property;
    }

    /** {@return what is wrong with it, free of secrets; the message is the property, ": " and this} */
    public String reason() {
        return reason;
    }
}
