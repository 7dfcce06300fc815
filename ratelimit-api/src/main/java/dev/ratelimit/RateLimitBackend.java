package dev.ratelimit;

import dev.ratelimit.spi.ScriptTransport;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * Where rate-limit state lives: evaluates one policy for one key, atomically.
 *
 * <p>Applications hand a backend to {@link RateLimiter.Builder#backend}; the limiter adds the
 * deadline, the fallbacks and the failure policy, so a backend only has to be exact and report
 * failure honestly. This module has the in-memory backend ({@link #inMemory()}) and the backend
 * that runs the library's Lua scripts on any Redis-compatible server ({@link #scripted}), which the
 * Redis and Upstash modules connect to their servers.
 *
 * <p>Contract, held by the testkit's {@code RateLimitBackendContract}:
 * <ul>
 *   <li>{@link #evaluate} and {@link #peek} follow the algorithms of {@link Limit} exactly (integer
 *       microseconds, check-before-consume, exact {@code retryAfter} and {@code resetAfter}; the
 *       formulas are in the project's docs/ALGORITHMS.md);
 *   <li>programmer errors (null or empty key, permits out of range) throw
 *       {@link IllegalArgumentException} or {@link NullPointerException} at once;
 *   <li>any failure of the backend itself completes the returned stage exceptionally, never throws;
 *   <li>all methods are thread-safe.
 * </ul>
 */
public interface RateLimitBackend extends AutoCloseable {

    /**
     * Decides a request for {@code permits} permits of {@code policy} by {@code key} and, if every
     * limit allows it, consumes them. {@code permits == 0} asks for nothing and consumes nothing.
     *
     * @param key the caller to count against; not null or empty
     * @param policy the policy to decide; its name and limits select the stored state
     * @param permits how many permits to take, from 0 to {@code policy.capacity()}
     * @return a stage completing with the decision, or exceptionally if the backend failed
     */
    CompletionStage<Decision> evaluate(String key, Policy policy, long permits);

    /**
     * The decision a request for {@code permits} permits would get now — the same figures
     * {@link #evaluate} would return — without consuming anything.
     *
     * @param key the caller whose state to read; not null or empty
     * @param policy the policy to decide
     * @param permits the size of the request to judge, from 0 to {@code policy.capacity()}
     * @return a stage completing with the decision, or exceptionally if the backend failed
     */
    CompletionStage<Decision> peek(String key, Policy policy, long permits);

    /**
     * Forgets everything {@code policy} has counted for {@code key}.
     *
     * @param key the caller whose state to forget; not null or empty
     * @param policy the policy whose state to forget; other policies' counts for the key stay
     * @return a stage completing when the state is gone, or exceptionally if the backend failed
     */
    CompletionStage<Void> reset(String key, Policy policy);

    /** {@return a short name for logs and {@link Decision#fallback()}, such as {@code "redis"}} */
    String name();

    /**
     * {@return how long a limiter waits for this backend by default} The limiter's
     * {@link RateLimiter.Builder#deadline} bounds the whole decision. Zero for a backend that
     * answers at once, as the in-memory one does. The default is 500 ms.
     */
    default Duration deadline() {
        return Duration.ofMillis(500);
    }

    /**
     * The part of the backend that holds {@code key}'s state, when parts fail apart (a Redis
     * Cluster node): a limiter keeps one circuit breaker per part, so a dead node affects only the
     * keys it owns. Asked before every call: it must be cheap and must not block.
     *
     * @param key the caller key of the coming call
     * @return an object naming the part, equal for the same part ({@code toString} names it in the
     *     breaker's name); {@code null} (the default) when the backend is one part
     */
    default @Nullable Object partition(String key) {
        return null;
    }

    /**
     * Calls {@code listener} each time the backend's connection is opened again after it was lost,
     * with the part it reaches (as {@link #partition} names it) or {@code null} for the whole
     * backend, so a limiter's open circuit breaker probes at once. The default never calls it.
     *
     * @param listener called with the part reconnected, or {@code null} for the whole backend
     * @return a handle whose {@code close} unregisters the listener
     */
    default AutoCloseable whenConnected(java.util.function.Consumer<Object> listener) {
        return () -> {};
    }

    /** Releases what the backend holds; idempotent. The default does nothing. */
    @Override
    default void close() {}

    /**
     * {@return an in-memory backend on the system clock tracking at most 100,000 keys} See
     * {@link #inMemory(Clock, int)}.
     */
    static RateLimitBackend inMemory() {
        return inMemory(Clock.system(), InMemoryBackend.DEFAULT_MAX_KEYS);
    }

    /**
     * An in-memory backend for one JVM.
     *
     * <p>Memory stays bounded: the state of a key is dropped once it no longer affects any decision
     * (its windows have passed, its bucket is full again), and at most {@code maxKeys} keys
     * (key and policy pairs) are tracked. When a new key arrives at the cap, expired state is
     * dropped first; if none has expired, the key tracked longest without a sweep is evicted, and
     * it starts afresh — with its full quota — the next time it is seen. Set the cap above the
     * number of keys active within one window (each costs roughly 200 bytes) and nothing live is
     * ever evicted.
     *
     * @param clock the time source; a {@link TestClock} in tests
     * @param maxKeys the cap on tracked keys, at least 1
     * @return a new backend; closing it does nothing
     * @throws IllegalArgumentException if {@code maxKeys < 1}
     */
    static RateLimitBackend inMemory(Clock clock, int maxKeys) {
        return new InMemoryBackend(clock, maxKeys);
    }

    /**
     * {@return a builder for the backend that runs the library's Lua scripts through
     * {@code transport}} One atomic script call per decision, on the server's clock unless
     * {@link ScriptedBuilder#clock} says otherwise. The Redis and Upstash modules' connections are
     * transports; {@code redisConnection.rateLimitBackend()} is this backend with the defaults.
     *
     * <p>Keys are {@code <prefix>:{<key>}:<policy>:<limitIndex>}; a caller key longer than 256
     * UTF-8 bytes, or holding a {@code }} (which would end the hash tag early), is replaced by
     * {@code sha256:} and its SHA-256 digest; every key expires when its state stops mattering.
     * Closing the backend leaves the transport open: whoever opened it closes it.
     *
     * @param transport the connection to the server; not null
     */
    static ScriptedBuilder scripted(ScriptTransport transport) {
        return new ScriptedBuilder(transport);
    }

    /** Configures a {@link #scripted} backend; every option may be set once. */
    final class ScriptedBuilder {
        final ScriptTransport transport;
        String prefix = "rl";

        @Nullable
        Clock clock;

        @Nullable
        Duration grace;

        private final Options set = new Options("RateLimitBackend.scripted");

        private ScriptedBuilder(ScriptTransport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
        }

        /**
         * The first part of every key (default {@code rl}).
         *
         * @param prefix 1 to 64 characters, no braces, whitespace or control characters
         * @return this builder
         * @throws IllegalArgumentException if the prefix does not have that form
         * @throws IllegalStateException if the prefix was already set
         */
        public ScriptedBuilder keyPrefix(String prefix) {
            set.once("keyPrefix");
            this.prefix = RateLimitScript.checkPrefix(prefix);
            return this;
        }

        /**
         * Decide at this clock's time instead of the server's {@code TIME}: for tests with a
         * {@link TestClock} and deterministic replays. Application servers' clocks may disagree,
         * which is why the server's clock is the default.
         *
         * @param clock the time source of every decision; not null
         * @return this builder
         * @throws IllegalStateException if the clock was already set
         */
        public ScriptedBuilder clock(Clock clock) {
            set.once("clock");
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Extra lifetime for every key beyond the moment its state stops mattering (default: none
         * on the server's clock, 1 s with an explicit clock, whose time the server's expiry does
         * not follow).
         *
         * @param grace the extra lifetime, zero or more; counted in whole milliseconds
         * @return this builder
         * @throws IllegalArgumentException if negative
         * @throws IllegalStateException if the grace was already set
         */
        public ScriptedBuilder ttlGrace(Duration grace) {
            set.once("ttlGrace");
            this.grace = RateLimitScript.checkGrace(grace);
            return this;
        }

        /**
         * Builds the backend. It generates a policy's scripts, and asks the transport to preload
         * them, when a limiter for that policy is built on it, or else at its first decision for
         * that policy.
         *
         * @return a new backend; it holds nothing the builder can still change
         */
        public RateLimitBackend build() {
            return new ScriptedRateLimitBackend(transport, prefix, clock, grace);
        }
    }
}
