package dev.ratelimit.spi;

import dev.ratelimit.Clock;
import dev.ratelimit.Decision;
import dev.ratelimit.Policy;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * A rate-limit backend that runs {@link Script#RATE_LIMIT} through a {@link ScriptTransport}: the
 * shared body of the Redis and Upstash backends, which extend it with their connection's
 * life cycle. Thread-safe.
 */
public class ScriptedRateLimitBackend implements RateLimitBackend {

    private final String name;
    private final ScriptTransport transport;
    private final String prefix;
    private final Clock clock;
    private final long graceMillis;

    /**
     * @param name the backend's name, such as {@code "redis"}
     * @param prefix the first part of every key (see {@link RateLimitScript#checkPrefix})
     * @param clock the clock to decide at, or {@code null} for the server's {@code TIME}
     * @param grace extra lifetime of every key beyond the moment its state stops mattering (see
     *     {@link RateLimitScript#args}), or {@code null} for the default: none on the server's
     *     clock, 1 s with an explicit clock, whose time the server's expiry does not follow
     */
    public ScriptedRateLimitBackend(String name, ScriptTransport transport, String prefix, Clock clock,
            Duration grace) {
        this.name = Objects.requireNonNull(name, "name");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.prefix = RateLimitScript.checkPrefix(prefix);
        this.clock = clock;
        this.graceMillis = grace != null ? RateLimitScript.checkGrace(grace).toMillis() : clock == null ? 0 : 1_000;
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
        return transport.eval(Script.RATE_LIMIT, keys, args).thenApply(reply -> script.decode(list(reply)));
    }

    @Override
    public CompletionStage<Void> reset(String key, Policy policy) {
        String[] keys = RateLimitScript.of(policy).keys(prefix, key);
        return transport.eval(Script.RESET, keys, new String[0]).thenApply(deleted -> null);
    }

    @Override
    public String name() {
        return name;
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
        return "ScriptedRateLimitBackend[" + name + ", " + transport.describe() + ", prefix=" + prefix
                + (clock == null ? ", server clock" : ", " + clock) + "]";
    }
}
