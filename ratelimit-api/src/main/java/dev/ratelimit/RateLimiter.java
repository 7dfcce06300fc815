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

    /** What a request for one permit would be told now, without consuming anything. */
    Decision peek(String key);

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

    /** A builder; only the policy is required. */
    static Builder builder() {
        return new Builder();
    }

    /** Configures a {@link RateLimiter}. Not thread-safe; {@link #build()} copies what it needs. */
    final class Builder {
        Policy policy;
        RateLimitBackend backend;
        Clock clock;
        Duration deadline = Duration.ofMillis(100);
        FailurePolicy failurePolicy = FailurePolicy.FAIL_OPEN;
        RateLimitListener listener = RateLimitListener.NONE;

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

        /** The clock of the default in-memory backend (default: the system clock). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The longest a decision may take (default 100 ms); past it the failure policy answers.
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

        /** Receives the limiter's events (default: none). */
        public Builder listener(RateLimitListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Builds the limiter.
         *
         * @throws IllegalStateException if no policy was set, or both a backend and a clock were
         *     (the clock configures only the default backend)
         */
        public RateLimiter build() {
            if (policy == null) {
                throw new IllegalStateException("a RateLimiter needs a policy: call policy(...)");
            }
            if (backend != null && clock != null) {
                throw new IllegalStateException("clock(...) configures the default in-memory backend; "
                        + "give the clock to the backend passed to backend(...) instead");
            }
            return new DefaultRateLimiter(this);
        }
    }
}
