package dev.ratelimit.spi;

import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * How the environment wiring ({@code RateLimiter.fromEnvironment}, {@code EmailStore.fromEnvironment})
 * finds the remote backends on the class path without depending on them: each backend module
 * registers one provider ({@code META-INF/services} and {@code provides} in its module descriptor).
 * Providers are asked in ascending {@link #order()}: Redis (100) before Upstash (200).
 */
public interface BackendProvider {

    /** {@return the backend's name, as in logs and {@code Decision.fallback()}} */
    String name();

    /** {@return the position in the fallback chain; lower comes first} */
    int order();

    /**
     * {@return the server the environment names, or empty when this backend is not configured}
     *
     * @param env the environment's variables by name ({@code null} for an unset one)
     * @throws IllegalArgumentException if a variable is malformed, naming it and never a secret
     */
    Optional<Server> server(UnaryOperator<String> env);

    /**
     * A server named by the environment. Servers that are {@code equals} share one connection in
     * a JVM: implement {@code equals} and {@code hashCode} on the whole configuration.
     */
    interface Server {

        /** {@return the configuration with secrets masked, for the start-up log} */
        String describe();

        /**
         * Opens a connection; it connects in the background and is usable at once.
         *
         * @return the new connection, which the caller closes
         */
        ScriptTransport connect();
    }
}
