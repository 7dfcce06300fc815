package dev.ratelimit.spi;

import dev.ratelimit.Clock;
import dev.ratelimit.Decision;
import dev.ratelimit.Policy;
import java.util.concurrent.CompletionStage;

/**
 * Where rate-limit state lives: evaluates one policy for one key, atomically.
 *
 * <p>The in-memory backend ({@link #inMemory()}) is in this module; the Redis and Upstash backends
 * are in their own modules. Applications hand a backend to {@code RateLimiter.builder()}; the
 * limiter adds the deadline, the fallbacks and the failure policy, so a backend only has to be
 * exact and report failure honestly.
 *
 * <p>Contract, held by the testkit's {@code RateLimitBackendContract}:
 * <ul>
 *   <li>{@link #evaluate} follows DESIGN.md "Algorithms" exactly (integer microseconds,
 *       check-before-consume, exact {@code retryAfter} and {@code resetAfter});
 *   <li>programmer errors (null or empty key, permits out of range) throw
 *       {@link IllegalArgumentException} or {@link NullPointerException} at once;
 *   <li>any failure of the backend itself completes the returned stage exceptionally, never throws;
 *   <li>all methods are thread-safe.
 * </ul>
 */
public interface RateLimitBackend extends AutoCloseable {

    /**
     * Decides a request for {@code permits} permits of {@code policy} by {@code key} and, if every
     * limit allows it, consumes them. {@code permits == 0} is a peek: it consumes nothing.
     */
    CompletionStage<Decision> evaluate(String key, Policy policy, long permits);

    /**
     * The decision a request for {@code permits} permits would get now — the same figures
     * {@link #evaluate} would return — without consuming anything. {@code permits == 0} reports
     * what is left without asking for anything.
     */
    CompletionStage<Decision> peek(String key, Policy policy, long permits);

    /**
     * The decision, if this backend can make it at once without blocking — an in-memory backend
     * can — else {@code null}, and the caller uses {@link #evaluate}. Spares the hot path a
     * future; the default returns {@code null}.
     */
    default Decision decideNow(String key, Policy policy, long permits) {
        return null;
    }

    /** Forgets everything {@code policy} has counted for {@code key}. */
    CompletionStage<Void> reset(String key, Policy policy);

    /** A short name for logs and {@link Decision#fallback()}, such as {@code "redis"}. */
    String name();

    /** Releases connections and threads; idempotent. */
    @Override
    default void close() {
    }

    /** An in-memory backend on the system clock tracking at most {@value InMemoryBackend#DEFAULT_MAX_KEYS} keys. */
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
     * @param clock the time source; a {@code TestClock} in tests
     * @param maxKeys the cap on tracked keys, at least 1
     */
    static RateLimitBackend inMemory(Clock clock, int maxKeys) {
        return new InMemoryBackend(clock, maxKeys);
    }
}
