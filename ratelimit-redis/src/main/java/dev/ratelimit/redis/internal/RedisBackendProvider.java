package dev.ratelimit.redis.internal;

import dev.ratelimit.email.EmailStore;
import dev.ratelimit.redis.RedisConfig;
import dev.ratelimit.redis.RedisEmailStore;
import dev.ratelimit.redis.RedisRateLimitBackend;
import dev.ratelimit.spi.BackendProvider;
import dev.ratelimit.spi.RateLimitBackend;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** Redis from {@code REDIS_URL}, first in the environment's fallback chain. Not part of the API. */
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
    public Optional<String> configured(UnaryOperator<String> env) {
        String url = env.apply(VARIABLE);
        return url == null || url.isBlank() ? Optional.empty() : Optional.of(RedisConfig.fromUrl(url).maskedUrl());
    }

    @Override
    public RateLimitBackend rateLimitBackend(UnaryOperator<String> env) {
        return RedisRateLimitBackend.builder(RedisConfig.fromUrl(env.apply(VARIABLE))).build();
    }

    @Override
    public EmailStore emailStore(UnaryOperator<String> env) {
        return RedisEmailStore.builder(RedisConfig.fromUrl(env.apply(VARIABLE))).build();
    }
}
