package dev.ratelimit;

import dev.ratelimit.spi.Script;
import dev.ratelimit.spi.ScriptTransport;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * See {@link RateLimitBackend#scripted}: the rate-limit scripts of {@link Scripts#rateLimit}, and
 * {@link Scripts#LEASE} for lease mode, through a {@link ScriptTransport}.
 */
final class ScriptedRateLimitBackend implements RateLimitBackend, Leasing {

    private static final int CACHE_LIMIT = 10_000;

    /** A policy's keys, arguments and reply, and its two scripts on this backend's clock and grace. */
    private record Calls(RateLimitScript script, Script request, Script peek) {}

    private final ConcurrentHashMap<Policy, Calls> calls = new ConcurrentHashMap<>();

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

    // A request for nothing stores nothing, so the peek's script answers it.
    private CompletionStage<Decision> run(String key, Policy policy, long permits, boolean consume) {
        Calls calls = calls(policy);
        policy.checkPermits(permits);
        RateLimitScript script = calls.script();
        String[] keys = script.keys(prefix, key);
        String[] args = script.args(permits, clock == null ? -1 : clock.nowMicros());
        return transport
                .eval(consume && permits > 0 ? calls.request() : calls.peek(), keys, args)
                .thenApply(reply -> script.decode(list(reply)));
    }

    /**
     * Generates {@code policy}'s scripts and has the transport load them now, so that the first
     * decisions do not pay for it within their deadline (a limiter calls this when it is built).
     */
    void prepare(Policy policy) {
        calls(policy);
    }

    private Calls calls(Policy policy) {
        Calls known = calls.get(java.util.Objects.requireNonNull(policy, "policy"));
        if (known != null) {
            return known;
        }
        if (calls.size() >= CACHE_LIMIT) {
            calls.clear();
        }
        RateLimitScript script = new RateLimitScript(policy);
        Calls created = new Calls(
                script,
                Scripts.rateLimit(script.shape(), clock != null, graceMillis, true),
                Scripts.rateLimit(script.shape(), clock != null, graceMillis, false));
        known = calls.putIfAbsent(policy, created);
        if (known != null) {
            return known;
        }
        transport.preload(created.request());
        transport.preload(created.peek());
        return created;
    }

    @Override
    public CompletionStage<Grant> reserve(String key, Policy policy, long permits, long want) {
        return LeaseScript.reserve(transport, prefix, clock, graceMillis, key, policy, permits, want);
    }

    @Override
    public CompletionStage<Void> reset(String key, Policy policy) {
        String[] keys = calls(policy).script().keys(prefix, key);
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
