package dev.ratelimit.upstash;

import dev.ratelimit.Clock;
import dev.ratelimit.spi.RateLimitScript;
import dev.ratelimit.spi.ScriptedRateLimitBackend;
import java.time.Duration;
import java.util.Objects;

/**
 * The Upstash REST backend: the same Lua scripts as the Redis backend, sent over HTTPS with
 * {@code java.net.http}, concurrent decisions auto-batched into {@code /pipeline} requests. For the
 * same clock its decisions are identical to the Redis backend's.
 *
 * <pre>{@code
 * UpstashRateLimitBackend upstash = UpstashRateLimitBackend.builder(UpstashConfig.fromEnvironment().orElseThrow()).build();
 * }</pre>
 *
 * <p>Failures complete the decision's stage with an {@link UpstashException} (command,
 * authentication or transport), so the limiter's fallbacks and failure policy take over.
 * Thread-safe. {@link #close()} stops the client's worker threads; on Java 17 the JDK's HTTP
 * client keeps its selector thread until it is garbage-collected.
 */
public final class UpstashRateLimitBackend extends ScriptedRateLimitBackend {

    private final UpstashClient client;

    private UpstashRateLimitBackend(Builder b, UpstashClient client) {
        super("upstash", client, b.prefix, b.clock, b.grace);
        this.client = client;
    }

    /** A builder for a backend on {@code config}. */
    public static Builder builder(UpstashConfig config) {
        return new Builder(config);
    }

    /**
     * Waits until the client, which loads the scripts when it is built, has its answer: for
     * applications that would rather not start without Upstash.
     *
     * @throws IllegalStateException naming the failure (a refused token names
     *     {@code UPSTASH_REDIS_REST_TOKEN}; the token itself never appears) if it did not succeed in time
     */
    public void awaitConnection(Duration timeout) {
        client.awaitConnection(timeout);
    }

    @Override
    public void close() {
        client.close();
    }

    @Override
    public String toString() {
        return "UpstashRateLimitBackend[" + client.describe() + "]";
    }

    /** Configures an {@link UpstashRateLimitBackend}. */
    public static final class Builder {
        private final UpstashConfig config;
        private String prefix = "rl";
        private Clock clock;
        private Duration grace;
        private boolean allowKeyLocking = true;

        private Builder(UpstashConfig config) {
            this.config = Objects.requireNonNull(config, "config");
        }

        /** The first part of every key (default {@code rl}); no braces. */
        public Builder keyPrefix(String prefix) {
            this.prefix = RateLimitScript.checkPrefix(prefix);
            return this;
        }

        /** Decide at this clock's time instead of the server's {@code TIME} (tests, replays). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Extra key lifetime; as {@code RedisRateLimitBackend.Builder.ttlGrace}. */
        public Builder ttlGrace(Duration grace) {
            this.grace = RateLimitScript.checkGrace(grace);
            return this;
        }

        /**
         * Whether scripts declare {@code #!lua flags=allow-key-locking}, so Upstash runs them under
         * per-key locks instead of its global script lock (default true). Turn it off for a REST
         * proxy in front of stock Redis, which refuses the flag.
         */
        public Builder allowKeyLocking(boolean allow) {
            this.allowKeyLocking = allow;
            return this;
        }

        /** Builds the backend. */
        public UpstashRateLimitBackend build() {
            return new UpstashRateLimitBackend(this, new UpstashClient(config, allowKeyLocking));
        }
    }
}
