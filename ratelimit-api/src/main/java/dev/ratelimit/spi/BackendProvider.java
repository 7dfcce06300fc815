package dev.ratelimit.spi;

import dev.ratelimit.email.EmailStore;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * How {@code RateLimiter.fromEnvironment} and {@code EmailStore.fromEnvironment} find the remote
 * backends on the class path without depending on them: each backend module registers one provider
 * ({@code META-INF/services} and {@code provides} in its module descriptor). Providers are asked in
 * ascending {@link #order()}: Redis (100) before Upstash (200).
 */
public interface BackendProvider {

    /** The backend's name, as in logs and {@code Decision.fallback()}. */
    String name();

    /** The position in the fallback chain; lower comes first. */
    int order();

    /**
     * The configuration found in the environment, masked for a log line (such as
     * {@code "redis://default:***@host:6379"}), or empty when this backend is not configured.
     *
     * @throws IllegalArgumentException if a variable is malformed, naming it and never a secret
     */
    Optional<String> configured(UnaryOperator<String> env);

    /** A rate-limit backend from the environment; call only when {@link #configured} is present. */
    RateLimitBackend rateLimitBackend(UnaryOperator<String> env);

    /** An email store from the environment; call only when {@link #configured} is present. */
    EmailStore emailStore(UnaryOperator<String> env);
}
