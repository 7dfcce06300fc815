package dev.ratelimit.redis.internal;

import dev.ratelimit.redis.RedisConfig;
import dev.ratelimit.redis.RedisConnection;
import dev.ratelimit.spi.BackendProvider;
import dev.ratelimit.spi.ScriptTransport;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Redis from {@code REDIS_URL}, first in the environment's fallback chain. Public only because
 * {@link java.util.ServiceLoader} needs it on the class path; the package is not exported.
 */
public final class RedisBackendProvider implements BackendProvider {

    static final String VARIABLE = "REDIS_URL";

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public int order() {
        return 100;
    }

    @Override
    public Optional<Server> server(UnaryOperator<String> env) {
        String url = env.apply(VARIABLE);
        return url == null || url.isBlank()
                ? Optional.empty()
                : Optional.of(new Redis(RedisConfig.fromUrl(url.strip())));
    }

    private record Redis(RedisConfig config) implements Server {
        @Override
        public String describe() {
            return config.maskedUrl();
        }

        @Override
        public ScriptTransport connect() {
            return RedisConnection.open(config);
        }

        @Override
        public String toString() {
            return describe();
        }
    }
}
