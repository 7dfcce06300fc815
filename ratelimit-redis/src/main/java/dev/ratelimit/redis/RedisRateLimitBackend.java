package dev.ratelimit.redis;

import dev.ratelimit.Clock;
import dev.ratelimit.Decision;
import dev.ratelimit.Policy;
import dev.ratelimit.spi.RateLimitBackend;
import dev.ratelimit.spi.RateLimitScript;
import dev.ratelimit.spi.ScriptedRateLimitBackend;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * The Redis backend: one atomic Lua script round trip ({@code EVALSHA}, falling back to
 * {@code EVAL} on {@code NOSCRIPT}) per decision, on one shared Lettuce connection that pipelines
 * concurrent calls. Standalone, Sentinel, Cluster and TLS, as {@link RedisConfig} describes.
 *
 * <pre>{@code
 * RedisRateLimitBackend redis = RedisRateLimitBackend.builder(RedisConfig.fromUrl(System.getenv("REDIS_URL"))).build();
 * RateLimiter limiter = RateLimiter.builder().policy(policy).backend(redis).build();
 * }</pre>
 *
 * <p>Time comes from the server's {@code TIME}, so application servers with skewed clocks agree;
 * with {@link Builder#clock(Clock)} it comes from the given clock instead (tests, replays). Keys are
 * {@code <prefix>:{<key>}:<policy>:<limitIndex>} and expire when their state stops mattering, so
 * idle callers cost Redis no memory.
 *
 * <p>The connection opens in the background: the backend is usable at once, and its decisions fail
 * (so the limiter's failure policy answers) until Redis is reachable. Thread-safe;
 * {@link #close()} releases the connection and every thread.
 */
public final class RedisRateLimitBackend implements RateLimitBackend {

    private final RedisConnector connector;
    private final ScriptedRateLimitBackend scripts;

    private RedisRateLimitBackend(Builder b) {
        this.connector = new RedisConnector(b.config, "RedisRateLimitBackend");
        long grace = b.grace != null ? b.grace.toMillis() : b.clock == null ? 0 : 1_000;
        this.scripts = new ScriptedRateLimitBackend("redis", connector, b.prefix, b.clock, grace);
    }

    /** A builder for a backend on {@code config}. */
    public static Builder builder(RedisConfig config) {
        return new Builder(config);
    }

    @Override
    public CompletionStage<Decision> evaluate(String key, Policy policy, long permits) {
        return scripts.evaluate(key, policy, permits);
    }

    @Override
    public CompletionStage<Void> reset(String key, Policy policy) {
        return scripts.reset(key, policy);
    }

    @Override
    public String name() {
        return "redis";
    }

    /**
     * Waits until the connection is open, for applications that would rather not start without
     * Redis.
     *
     * @throws IllegalStateException naming the last connection failure (password masked) if the
     *     connection is not open within {@code timeout}
     */
    public void awaitConnection(Duration timeout) {
        connector.awaitConnection(timeout);
    }

    @Override
    public void close() {
        connector.close();
    }

    @Override
    public String toString() {
        return "RedisRateLimitBackend[" + connector + "]";
    }

    /** Configures a {@link RedisRateLimitBackend}. */
    public static final class Builder {
        private final RedisConfig config;
        private String prefix = "rl";
        private Clock clock;
        private Duration grace;

        private Builder(RedisConfig config) {
            this.config = Objects.requireNonNull(config, "config");
        }

        /** The first part of every key (default {@code rl}); no braces. */
        public Builder keyPrefix(String prefix) {
            this.prefix = RateLimitScript.checkPrefix(prefix);
            return this;
        }

        /**
         * Decide at this clock's time instead of the server's {@code TIME}: for tests with a
         * {@code TestClock} and deterministic replays. Application servers' clocks may disagree;
         * the server's clock is the default for that reason.
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Extra lifetime for every key beyond the moment its state stops mattering (default: none
         * on the server's clock, 1 s with an explicit clock, whose time Redis's expiry does not
         * follow).
         */
        public Builder ttlGrace(Duration grace) {
            Objects.requireNonNull(grace, "grace");
            if (grace.isNegative()) {
                throw new IllegalArgumentException("ttlGrace must not be negative; got " + grace);
            }
            this.grace = grace;
            return this;
        }

        /** Builds the backend and starts connecting in the background. */
        public RedisRateLimitBackend build() {
            return new RedisRateLimitBackend(this);
        }
    }
}
