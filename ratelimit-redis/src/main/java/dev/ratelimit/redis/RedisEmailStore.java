package dev.ratelimit.redis;

import dev.ratelimit.Clock;
import dev.ratelimit.email.EmailStoreException;
import dev.ratelimit.spi.EmailScripts;
import dev.ratelimit.spi.RateLimitScript;
import dev.ratelimit.spi.ScriptedEmailStore;
import java.time.Duration;
import java.util.Objects;

/**
 * The Redis email store (layout in {@link EmailScripts}): a sorted set of identities in capture
 * order and a hash of records, both in one Cluster slot; {@code add} and {@code remove} are atomic
 * scripts, so concurrent adds of one address store it once.
 *
 * <p>A failure of Redis throws {@link EmailStoreException} after at most the command timeout plus
 * one second; the failover store from the environment wiring turns that into a spooled address.
 * Thread-safe.
 */
public final class RedisEmailStore extends ScriptedEmailStore {

    private final RedisConnector connector;

    private RedisEmailStore(Builder b, RedisConnector connector) {
        super(connector, b.prefix, b.clock, b.config.commandTimeout().plusSeconds(1));
        this.connector = connector;
    }

    /** A builder for a store on {@code config}. */
    public static Builder builder(RedisConfig config) {
        return new Builder(config);
    }

    /** Waits until the connection is open; see {@link RedisRateLimitBackend#awaitConnection}. */
    public void awaitConnection(Duration timeout) {
        connector.awaitConnection(timeout);
    }

    @Override
    public void close() {
        connector.close();
    }

    @Override
    public String toString() {
        return "RedisEmailStore[" + connector + "]";
    }

    /** Configures a {@link RedisEmailStore}. */
    public static final class Builder {
        private final RedisConfig config;
        private String prefix = "rl";
        private Clock clock;

        private Builder(RedisConfig config) {
            this.config = Objects.requireNonNull(config, "config");
        }

        /** The first part of the store's two keys (default {@code rl}); no braces. */
        public Builder keyPrefix(String prefix) {
            this.prefix = RateLimitScript.checkPrefix(prefix);
            return this;
        }

        /** Capture times from this clock instead of the server's {@code TIME}. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Builds the store and starts connecting in the background. */
        public RedisEmailStore build() {
            return new RedisEmailStore(this, new RedisConnector(config, "RedisEmailStore"));
        }
    }
}
