package dev.ratelimit.upstash;

import dev.ratelimit.Clock;
import dev.ratelimit.spi.RateLimitScript;
import dev.ratelimit.spi.ScriptedEmailStore;
import java.time.Duration;
import java.util.Objects;

/**
 * The Upstash email store: the Redis store's layout and scripts over the REST API, with concurrent
 * writes auto-batched. A failure throws {@code EmailStoreException} after at most the request
 * timeout plus one second. Thread-safe.
 */
public final class UpstashEmailStore extends ScriptedEmailStore {

    private final UpstashClient client;

    private UpstashEmailStore(Builder b, UpstashClient client) {
        super(client, b.prefix, b.clock, b.config.requestTimeout().plusSeconds(1));
        this.client = client;
    }

    /** A builder for a store on {@code config}. */
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
        return "UpstashEmailStore[" + client.describe() + "]";
    }

    /** Configures an {@link UpstashEmailStore}. */
    public static final class Builder {
        private final UpstashConfig config;
        private String prefix = "rl";
        private Clock clock;
        private boolean allowKeyLocking = true;

        private Builder(UpstashConfig config) {
            this.config = Objects.requireNonNull(config, "config");
        }

        /** The first part of the store's keys (default {@code rl}); no braces. */
        public Builder keyPrefix(String prefix) {
            this.prefix = RateLimitScript.checkPrefix(prefix);
            return this;
        }

        /** Capture times from this clock instead of the server's {@code TIME}. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** As {@code UpstashRateLimitBackend.Builder.allowKeyLocking} (default true). */
        public Builder allowKeyLocking(boolean allow) {
            this.allowKeyLocking = allow;
            return this;
        }

        /** Builds the store. */
        public UpstashEmailStore build() {
            return new UpstashEmailStore(this, new UpstashClient(config, allowKeyLocking));
        }
    }
}
