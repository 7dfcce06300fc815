package dev.ratelimit.upstash.internal;

import dev.ratelimit.email.EmailStore;
import dev.ratelimit.spi.BackendProvider;
import dev.ratelimit.spi.RateLimitBackend;
import dev.ratelimit.upstash.UpstashConfig;
import dev.ratelimit.upstash.UpstashEmailStore;
import dev.ratelimit.upstash.UpstashRateLimitBackend;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Upstash from {@code UPSTASH_REDIS_REST_URL} and {@code UPSTASH_REDIS_REST_TOKEN}, after Redis in
 * the environment's fallback chain. Not part of the API.
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
    public Optional<String> configured(UnaryOperator<String> env) {
        return UpstashConfig.fromEnvironment(env).map(config -> config.describe() + " (token ***)");
    }

    @Override
    public RateLimitBackend rateLimitBackend(UnaryOperator<String> env) {
        return UpstashRateLimitBackend.builder(UpstashConfig.fromEnvironment(env).orElseThrow()).build();
    }

    @Override
    public EmailStore emailStore(UnaryOperator<String> env) {
        return UpstashEmailStore.builder(UpstashConfig.fromEnvironment(env).orElseThrow()).build();
    }
}
