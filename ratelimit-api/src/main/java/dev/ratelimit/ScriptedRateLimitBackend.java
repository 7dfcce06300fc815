package dev.ratelimit;

import dev.ratelimit.spi.ScriptTransport;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/** See {@link RateLimitBackend#scripted}: {@link Scripts#RATE_LIMIT} through a {@link ScriptTransport}. */
final class ScriptedRateLimitBackend implements RateLimitBackend, Leasing {

    private final ScriptTransport transport;
    private final String prefix;
    private final @Nullable Clock clock;
    private final long graceMillis;

    ScriptedRateLimitBackend(
            ScriptTransport transport, String prefix, @Nullable Clock clock, @Nullable Duration grace) {
        this.transport = transport;
        this.prefix = prefix;
        this.clock = clock;
        this.graceMillis = grace != null ? grace.toMillis() : clock == null ? 0 : 1_000;
    }

    @Override
    public CompletionStage<Decision> evaluate(String key, Policy policy, long permits) {
        return run(key, policy, permits, true);
    }

    @Override
    public CompletionStage<Decision> peek(String key, Policy policy, long permits) {
        return run(key, policy, permits, false);
    }

    private CompletionStage<Decision> run(String key, Policy policy, long permits, boolean consume) {
        RateLimitScript script = RateLimitScript.of(policy);
        policy.checkPermits(permits);
        String[] keys = script.keys(prefix, key);
        String[] args = script.args(permits, clock == null ? -1 : clock.nowMicros(), graceMillis, consume);
        return transport.eval(Scripts.RATE_LIMIT, keys, args).thenApply(reply -> script.decode(list(reply)));
    }

    @Override
    public CompletionStage<Grant> reserve(String key, Policy policy, long permits, long want) {
        return LeaseScript.reserve(transport, prefix, clock, graceMillis, key, policy, permits, want);
    }

    @Override
    public CompletionStage<Void> reset(String key, Policy policy) {
        String[] keys = RateLimitScript.of(policy).keys(prefix, key);
        return transport.eval(Scripts.RESET, keys, new String[0]).thenApply(deleted -> null);
    }

    @Override
    public String name() {
        return transport.name();
    }

    @Override
    public Duration deadline() {
        return transport.deadline();
    }

    @Override
    public @Nullable Object partition(String key) {
        return transport.partition(Keys.hashTag(key));
    }

    @Override
    public AutoCloseable whenConnected(java.util.function.Consumer<Object> listener) {
        return transport.whenConnected(listener);
    }

    static List<?> list(Object reply) {
        if (reply instanceof List<?> list) {
            return list;
        }
        throw new IllegalStateException("expected an array reply, got "
                + (reply == null ? "nil" : reply.getClass().getSimpleName()));
    }

    @Override
    public String toString() {
        return "RateLimitBackend.scripted[" + transport.describe() + ", prefix=" + prefix
                + (clock == null ? ", server clock" : ", " + clock) + "]";
    }
}
