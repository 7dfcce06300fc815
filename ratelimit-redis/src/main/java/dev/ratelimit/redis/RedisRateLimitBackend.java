package dev.ratelimit.redis;

import dev.ratelimit.Clock;
import dev.ratelimit.spi.RateLimitScript;
import dev.ratelimit.spi.ScriptedRateLimitBackend;
import java.time.Duration;
import java.util.Objects;

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
public final class RedisRateLimitBackend extends ScriptedRateLimitBackend {

    private final RedisConnector connector;

    private RedisRateLimitBackend(Builder b, RedisConnector connector) {
        super("redis", connector, b.prefix, b.clock, b.grace);
        this.connector = connector;
    }

    /** A builder for a backend on {@code config}. */
    public static Builder builder(RedisConfig config) {
        return new Builder(config);
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
            this.grace = RateLimitScript.checkGrace(grace);
            return this;
        }

        /** Builds the backend and starts connecting in the background. */
        public RedisRateLimitBackend build() {
            return new RedisRateLimitBackend(this, new RedisConnector(config, "RedisRateLimitBackend"));
        }
    }
}
