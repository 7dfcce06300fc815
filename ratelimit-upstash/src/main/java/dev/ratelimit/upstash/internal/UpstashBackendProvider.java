package dev.ratelimit.upstash.internal;

import dev.ratelimit.spi.BackendProvider;
import dev.ratelimit.spi.ScriptTransport;
import dev.ratelimit.upstash.UpstashConfig;
import dev.ratelimit.upstash.UpstashConnection;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Upstash from {@code UPSTASH_REDIS_REST_URL} and {@code UPSTASH_REDIS_REST_TOKEN}, after Redis in
 * the environment's fallback chain. Public only because {@link java.util.ServiceLoader} needs it
 * on the class path; the package is not exported.
 */
public final class UpstashBackendProvider implements BackendProvider {

    @Override
    public String name() {
        return "upstash";
    }

    @Override
    public int order() {
        return 200;
    }

    @Override
    public Optional<Server> server(UnaryOperator<String> env) {
        return UpstashConfig.fromEnvironment(env).map(Upstash::new);
    }

    private record Upstash(UpstashConfig config) implements Server {
        @Override
        public String describe() {
            return config.describe() + " (token ***)";
        }

        @Override
        public ScriptTransport connect() {
            return UpstashConnection.open(config);
        }

        @Override
        public String toString() {
            return describe();
        }
    }
}
