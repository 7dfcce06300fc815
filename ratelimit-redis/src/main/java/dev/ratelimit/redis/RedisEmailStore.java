package dev.ratelimit.redis;

import dev.ratelimit.Clock;
import dev.ratelimit.email.AddResult;
import dev.ratelimit.email.EmailAddress;
import dev.ratelimit.email.EmailPage;
import dev.ratelimit.email.EmailRecord;
import dev.ratelimit.email.EmailStore;
import dev.ratelimit.email.EmailStoreException;
import dev.ratelimit.spi.EmailScripts;
import dev.ratelimit.spi.Script;
import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Redis email store (layout in {@link EmailScripts}): a sorted set of identities in capture
 * order and a hash of records, both in one Cluster slot; {@code add} and {@code remove} are atomic
 * scripts, so concurrent adds of one address store it once.
 *
 * <p>A failure of Redis throws {@link EmailStoreException} after at most the command timeout plus
 * one second; the failover store from the environment wiring turns that into a spooled address.
 * Thread-safe.
 */
public final class RedisEmailStore implements EmailStore {

    private final RedisConnector connector;
    private final String[] keys;
    private final Clock clock;
    private final long waitMillis;

    private RedisEmailStore(Builder b) {
        this.keys = EmailScripts.keys(b.prefix);
        this.clock = b.clock;
        this.connector = new RedisConnector(b.config, "RedisEmailStore");
        this.waitMillis = b.config.commandTimeout().toMillis() + 1_000;
    }

    /** A builder for a store on {@code config}. */
    public static Builder builder(RedisConfig config) {
        return new Builder(config);
    }

    @Override
    public AddResult add(String address, String source) {
        EmailAddress email = EmailAddress.parse(address);
        String checked = EmailRecord.checkSource(source);
        Long added = await(connector.run(Script.EMAIL_ADD, ScriptOutputType.INTEGER, keys,
                EmailScripts.addArgs(email, checked, clock == null ? -1 : clock.nowMicros())), "add");
        return added == 1 ? AddResult.ADDED : AddResult.ALREADY_PRESENT;
    }

    @Override
    public boolean contains(String address) {
        String identity = EmailAddress.parse(address).identity();
        return await(call(() -> connector.commands().hexists(keys[1], identity)), "contains");
    }

    @Override
    public boolean remove(String address) {
        String identity = EmailAddress.parse(address).identity();
        Long removed = await(connector.run(Script.EMAIL_REMOVE, ScriptOutputType.INTEGER, keys,
                new String[] {identity}), "remove");
        return removed == 1;
    }

    @Override
    public long count() {
        return await(call(() -> connector.commands().zcard(keys[0])), "count");
    }

    @Override
    public EmailPage page(String cursor, int size) {
        String[] args = EmailScripts.pageArgs(cursor, size);
        List<Object> reply = await(connector.run(Script.EMAIL_PAGE, ScriptOutputType.MULTI, keys, args), "page");
        return EmailScripts.page(reply, size);
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
        return "RedisEmailStore[" + connector.config().maskedUrl() + ", " + keys[0] + "]";
    }

    private interface Call<T> {
        CompletionStage<T> start();
    }

    private static <T> CompletionStage<T> call(Call<T> call) {
        try {
            return call.start();
        } catch (RuntimeException e) {
            return java.util.concurrent.CompletableFuture.failedFuture(e);
        }
    }

    private <T> T await(CompletionStage<T> pending, String operation) {
        try {
            return pending.toCompletableFuture().get(waitMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmailStoreException("interrupted during " + operation, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new EmailStoreException("Redis failed during " + operation + ": "
                    + connector.config().mask(cause.getMessage()), cause);
        } catch (TimeoutException e) {
            throw new EmailStoreException("Redis did not answer " + operation + " within " + waitMillis + " ms", e);
        }
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
            this.prefix = dev.ratelimit.spi.RateLimitScript.checkPrefix(prefix);
            return this;
        }

        /** Capture times from this clock instead of the server's {@code TIME}. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Builds the store and starts connecting in the background. */
        public RedisEmailStore build() {
            return new RedisEmailStore(this);
        }
    }
}
