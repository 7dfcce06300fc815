package dev.ratelimit.spring;

import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.springframework.core.env.Environment;

/**
 * The variables {@code fromEnvironment} reads, taken from the {@code ratelimit.*} properties first
 * and then from Spring's environment (which holds the process environment): {@code REDIS_URL},
 * {@code UPSTASH_REDIS_REST_URL}, {@code UPSTASH_REDIS_REST_TOKEN}, {@code RATELIMIT_SPOOL_DIR}.
 * Messages about a variable are rewritten to name the property it came from.
 */
final class Variables implements UnaryOperator<@Nullable String> {

    static final String REDIS_URL = "REDIS_URL";
    static final String UPSTASH_URL = "UPSTASH_REDIS_REST_URL";
    static final String UPSTASH_TOKEN = "UPSTASH_REDIS_REST_TOKEN";
    static final String SPOOL_DIR = "RATELIMIT_SPOOL_DIR";

    private final RateLimitProperties properties;
    private final Environment environment;

    Variables(RateLimitProperties properties, Environment environment) {
        this.properties = properties;
        this.environment = environment;
    }

    @Override
    public @Nullable String apply(@Nullable String name) {
        if (name == null) {
            return null;
        }
        String property = property(name);
        return property != null ? property : environment.getProperty(name);
    }

    private @Nullable String property(String name) {
        return switch (name) {
            case REDIS_URL -> properties.getRedis().getUrl();
            case UPSTASH_URL -> properties.getUpstash().getUrl();
            case UPSTASH_TOKEN -> properties.getUpstash().getToken();
            case SPOOL_DIR -> properties.getEmail().getSpoolDir();
            default -> null;
        };
    }

    /** Where a variable's value came from: the property's name, or the variable's. */
    String source(String variable) {
        if (property(variable) == null) {
            return variable;
        }
        return switch (variable) {
            case REDIS_URL -> "ratelimit.redis.url";
            case UPSTASH_URL -> "ratelimit.upstash.url";
            case UPSTASH_TOKEN -> "ratelimit.upstash.token";
            default -> "ratelimit.email.spool-dir";
        };
    }

    /**
     * The exception that names the property behind a backend's complaint about a variable. The
     * backends' messages name the variable and never contain a secret.
     */
    InvalidRateLimitConfigurationException explain(IllegalArgumentException e) {
        String message = String.valueOf(e.getMessage());
        for (String variable : new String[] {UPSTASH_TOKEN, UPSTASH_URL, REDIS_URL, SPOOL_DIR}) {
            if (message.contains(variable)) {
                String source = source(variable);
                String reason = message;
                for (String other : new String[] {UPSTASH_TOKEN, UPSTASH_URL, REDIS_URL, SPOOL_DIR}) {
                    reason = reason.replace(other, source(other));
                }
                InvalidRateLimitConfigurationException explained =
                        new InvalidRateLimitConfigurationException(source, reason);
                explained.initCause(e);
                return explained;
            }
        }
        InvalidRateLimitConfigurationException explained =
                new InvalidRateLimitConfigurationException("ratelimit", message);
        explained.initCause(e);
        return explained;
    }
}
