package dev.ratelimit;

import dev.ratelimit.spi.RateLimitBackend;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * Decides whether a caller, identified by a key, may do something now, under one {@link Policy}.
 *
 * <pre>{@code
 * RateLimiter limiter = RateLimiter.inMemory(Policy.of("generate", Limit.perHour(5)));
 * Decision d = limiter.tryAcquire(clientIp);
 * if (!d.allowed()) {
 *     // 429, Retry-After: d.retryAfter()
 * }
 * }</pre>
 *
 * <p>{@code tryAcquire} never waits longer than the limiter's deadline and never throws because a
 * backend failed: past the deadline, or on any backend error, the failure policy answers and
 * {@link Decision#source()} says so. It throws only for programmer errors: a null or empty key,
 * negative permits, or permits above the policy's capacity ({@link IllegalArgumentException}).
 *
 * <p>Implementations are thread-safe.
 */
public interface RateLimiter extends AutoCloseable {

    /** Asks for one permit. */
    default Decision tryAcquire(String key) {
        return tryAcquire(key, 1);
    }

    /**
     * Asks for {@code permits} permits; they are consumed only if every limit of the policy allows
     * them. Returns within the deadline.
     */
    Decision tryAcquire(String key, long permits);

    /**
     * Asks for {@code permits} permits without blocking the calling thread. The stage completes
     * within the deadline, and never exceptionally because of a backend failure.
     *
     * @throws IllegalArgumentException at once, for the programmer errors {@link #tryAcquire} names
     */
    CompletionStage<Decision> tryAcquireAsync(String key, long permits);

    /**
     * The decision a request for one permit would get now, consuming nothing: on an exhausted key
     * it is denied with the exact {@code retryAfter}. Answers within the deadline, like
     * {@link #tryAcquire}.
     */
    default Decision peek(String key) {
        return peek(key, 1);
    }

    /**
     * The decision a request for {@code permits} permits would get now — the figures
     * {@link #tryAcquire(String, long)} would return — consuming nothing. {@code peek(key, 0)}
     * reports what is left without asking for anything (always allowed). Listeners hear nothing
     * of a peek.
     *
     * @throws IllegalArgumentException for the programmer errors {@link #tryAcquire} names
     */
    Decision peek(String key, long permits);

    /**
     * Forgets everything counted for {@code key}, so its next request starts with the full quota.
     *
     * @throws IllegalStateException if the backend could not be reached within the deadline
     */
    void reset(String key);

    /** The policy this limiter enforces. */
    Policy policy();

    /** Releases what this limiter created (not backends handed to its builder); idempotent. */
    @Override
    void close();

    /**
     * An in-memory limiter on the system clock: one JVM, no dependencies. Its backend tracks at
     * most 100,000 keys; see {@link RateLimitBackend#inMemory(Clock, int)}.
     */
    static RateLimiter inMemory(Policy policy) {
        return builder().policy(policy).build();
    }

    /**
     * An in-memory limiter on {@code clock}: the tool for unit tests, with a {@link TestClock}
     * that the test advances instead of sleeping.
     */
    static RateLimiter inMemory(Policy policy, Clock clock) {
        return builder().policy(policy).clock(clock).build();
    }

    /**
     * A limiter wired from the environment: Redis from {@code REDIS_URL}, then Upstash from
     * {@code UPSTASH_REDIS_REST_URL} and {@code UPSTASH_REDIS_REST_TOKEN}, then this JVM's memory —
     * each present backend a fallback for the ones before it, behind its own circuit breaker. The
     * backends come from the modules on the class path ({@code ratelimit-redis},
     * {@code ratelimit-upstash}); it logs which it uses, with secrets masked, and starts even when
     * every remote backend is down. The limiter owns and closes them.
     *
     * @throws IllegalArgumentException if a variable is malformed (naming it, never a secret)
     */
    static RateLimiter fromEnvironment(Policy policy) {
        return dev.ratelimit.internal.Environment.limiter(builder().policy(policy), System::getenv);
    }

    /** A builder; only the policy is required. */
    static Builder builder() {
        return new Builder();
    }

    /** Configures a {@link RateLimiter}. Not thread-safe; {@link #build()} copies what it needs. */
    final class Builder {
        Policy policy;
        RateLimitBackend backend;
        final java.util.List<RateLimitBackend> fallbacks = new java.util.ArrayList<>();
        Clock clock;
        Duration deadline = Duration.ofMillis(100);
        FailurePolicy failurePolicy = FailurePolicy.FAIL_OPEN;
        RateLimitListener listener = RateLimitListener.NONE;
        int failureThreshold = 3;
        Duration openFor = Duration.ofSeconds(1);
        int blockCacheKeys = 10_000;

        Builder() {
        }

        /** The policy to enforce (required). */
        public Builder policy(Policy policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Where the state lives. Default: a new in-memory backend on {@link #clock(Clock)}, which
         * the limiter closes with itself; a backend given here is closed by whoever created it.
         */
        public Builder backend(RateLimitBackend backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
            return this;
        }

        /**
         * Adds a fallback: asked, in the order added, when the backends before it fail, miss the
         * deadline or have their circuit breaker open. An in-memory fallback
         * ({@code RateLimitBackend.inMemory()}) counts per JVM only: approximate when several
         * instances share the limit, and said so by {@link Decision#fallback()}.
         */
        public Builder fallback(RateLimitBackend fallback) {
            this.fallbacks.add(Objects.requireNonNull(fallback, "fallback"));
            return this;
        }

        /**
         * The limiter's clock (default: the system clock): the clock of the local block cache, of
         * the default in-memory backend, and of the circuit breakers' open intervals — so a test
         * with a {@code TestClock} advances it to let a breaker probe (without it, the intervals
         * run on {@code System.nanoTime}).
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The longest a decision may take, across every backend (default 100 ms); past it the
         * failure policy answers. With fallbacks, the primary gets half of it and each fallback the
         * time left.
         *
         * @throws IllegalArgumentException unless between 1 ms and 1 minute
         */
        public Builder deadline(Duration deadline) {
            Objects.requireNonNull(deadline, "deadline");
            if (deadline.compareTo(Duration.ofMillis(1)) < 0 || deadline.compareTo(Duration.ofMinutes(1)) > 0) {
                throw new IllegalArgumentException("deadline must be between 1 ms and 1 minute; got " + deadline);
            }
            this.deadline = deadline;
            return this;
        }

        /** What to answer when no backend can (default {@link FailurePolicy#FAIL_OPEN}). */
        public Builder failurePolicy(FailurePolicy failurePolicy) {
            this.failurePolicy = Objects.requireNonNull(failurePolicy, "failurePolicy");
            return this;
        }

        /**
         * Each backend's circuit breaker: it opens after {@code failures} consecutive failures or
         * missed deadlines (default 3), is skipped for {@code openFor} (default 1 s; also the
         * {@code retryAfter} of a {@link FailurePolicy#FAIL_CLOSED} answer), then one background
         * probe closes it or opens it again.
         */
        public Builder circuitBreaker(int failures, Duration openFor) {
            if (failures < 1) {
                throw new IllegalArgumentException("failures must be at least 1; got " + failures);
            }
            Objects.requireNonNull(openFor, "openFor");
            if (openFor.compareTo(Duration.ofMillis(1)) < 0 || openFor.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new IllegalArgumentException("openFor must be between 1 ms and 10 minutes; got " + openFor);
            }
            this.failureThreshold = failures;
            this.openFor = openFor;
            return this;
        }

        /**
         * The size of the local block cache (default 10,000 keys; 0 turns it off): a key denied until
         * {@code t} is denied locally, without a backend call, until {@code t}.
         */
        public Builder blockCache(int maxKeys) {
            if (maxKeys < 0) {
                throw new IllegalArgumentException("blockCache size must be >= 0; got " + maxKeys);
            }
            this.blockCacheKeys = maxKeys;
            return this;
        }

        /** Receives the limiter's events (default: none). */
        public Builder listener(RateLimitListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Builds the limiter.
         *
         * @throws IllegalStateException if no policy was set
         */
        public RateLimiter build() {
            if (policy == null) {
                throw new IllegalStateException("a RateLimiter needs a policy: call policy(...)");
            }
            return new DefaultRateLimiter(this);
        }
    }
}
