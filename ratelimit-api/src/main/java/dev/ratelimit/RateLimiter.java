package dev.ratelimit;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

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

    /**
     * Asks for one permit; see {@link #tryAcquire(String, long)}.
     *
     * @param key the caller to count against, such as a client IP or an API key; not null or empty
     * @return the decision, allowed or denied, with what is left and when to retry
     * @throws IllegalArgumentException if {@code key} is null or empty
     */
    default Decision tryAcquire(String key) {
        return tryAcquire(key, 1);
    }

    /**
     * Asks for {@code permits} permits; they are consumed only if every limit of the policy allows
     * them. Returns within the deadline.
     *
     * @param key the caller to count against, such as a client IP or an API key; not null or empty
     * @param permits how many permits to take, from 0 (asks for nothing, consumes nothing) to the
     *     policy's {@link Policy#capacity() capacity}
     * @return the decision, allowed or denied, with what is left and when to retry; its
     *     {@link Decision#source() source} says whether a fallback or the failure policy answered
     * @throws IllegalArgumentException if {@code key} is null or empty, or {@code permits} is
     *     negative or above the capacity of one of the policy's limits
     */
    Decision tryAcquire(String key, long permits);

    /**
     * Asks for one permit without blocking the calling thread; see
     * {@link #tryAcquireAsync(String, long)}.
     *
     * @param key the caller to count against; not null or empty
     * @return a stage that completes with the decision within the deadline
     * @throws IllegalArgumentException at once, if {@code key} is null or empty
     */
    default CompletionStage<Decision> tryAcquireAsync(String key) {
        return tryAcquireAsync(key, 1);
    }

    /**
     * Asks for {@code permits} permits without blocking the calling thread. The stage completes
     * within the deadline, and never exceptionally because of a backend failure.
     *
     * @param key the caller to count against; not null or empty
     * @param permits how many permits to take, from 0 to the policy's {@link Policy#capacity()}
     * @return a stage that completes with the decision, as {@link #tryAcquire(String, long)} would
     *     return it
     * @throws IllegalArgumentException at once, for the programmer errors {@link #tryAcquire} names
     */
    CompletionStage<Decision> tryAcquireAsync(String key, long permits);

    /**
     * {@return the decision a request for one permit would get now} It consumes nothing: on an
     * exhausted key it is denied with the exact {@code retryAfter}. Answers within the deadline,
     * like {@link #tryAcquire}.
     *
     * @param key the caller whose quota to look at; not null or empty
     * @throws IllegalArgumentException if {@code key} is null or empty
     */
    default Decision peek(String key) {
        return peek(key, 1);
    }

    /**
     * {@return the decision a request for {@code permits} permits would get now} These are the
     * figures {@link #tryAcquire(String, long)} would return, but nothing is consumed.
     * {@code peek(key, 0)} reports what is left without asking for anything (always allowed). A
     * peek is not a decision to listeners: {@link RateLimitListener#onDecision} is not called for
     * it, though a backend failing or a fallback answering during a peek is reported as during a
     * request.
     *
     * @param key the caller whose quota to look at; not null or empty
     * @param permits the size of the request to judge, from 0 to the policy's
     *     {@link Policy#capacity()}
     * @throws IllegalArgumentException for the programmer errors {@link #tryAcquire} names
     */
    Decision peek(String key, long permits);

    /**
     * Forgets everything counted for {@code key}, so its next request starts with the full quota.
     * Every backend, fallbacks included, is asked in turn to forget the key, each given the longer
     * of its own deadline and the limiter's; when only some of them fail, those are named in the
     * log.
     *
     * @param key the caller whose counts to forget; not null or empty
     * @throws IllegalArgumentException if {@code key} is null or empty
     * @throws IllegalStateException if every backend failed or missed its time (the exception
     *     names the first), or the thread was interrupted while waiting
     */
    void reset(String key);

    /** {@return the policy this limiter enforces} */
    Policy policy();

    /**
     * {@return the state of each of its backends' circuit breakers now, by name} A breaker's name is
     * the backend's name, or the backend's and a part's (a Redis Cluster node,
     * {@code "redis 10.0.0.5:6379"}). For metrics and health checks; the default is empty.
     */
    default java.util.Map<String, BreakerState> breakerStates() {
        return java.util.Map.of();
    }

    /** {@return how many keys its local block cache holds now (0 when it has none)} */
    default int blockedKeys() {
        return 0;
    }

    /** Releases what this limiter created (not backends handed to its builder); idempotent. */
    @Override
    void close();

    /**
     * {@return an in-memory limiter on the system clock: one JVM, no dependencies} Its backend
     * tracks at most 100,000 keys; see {@link RateLimitBackend#inMemory(Clock, int)}.
     *
     * @param policy the policy to enforce
     */
    static RateLimiter inMemory(Policy policy) {
        return builder().policy(policy).build();
    }

    /**
     * {@return an in-memory limiter on {@code clock}} The tool for unit tests, with a
     * {@link TestClock} that the test advances instead of sleeping.
     *
     * @param policy the policy to enforce
     * @param clock the time source of the backend, the block cache and the circuit breakers
     */
    static RateLimiter inMemory(Policy policy, Clock clock) {
        return builder().policy(policy).clock(clock).build();
    }

    /**
     * {@return a limiter wired from the environment} Redis from {@code REDIS_URL}, then Upstash from
     * {@code UPSTASH_REDIS_REST_URL} and {@code UPSTASH_REDIS_REST_TOKEN}, then this JVM's memory —
     * each present backend a fallback for the ones before it, behind its own circuit breakers. (With
     * {@link FailurePolicy#FAIL_CLOSED} and a server configured, memory is left out: a request no
     * server can decide is denied rather than counted per JVM.) The
     * backends come from the modules on the class path ({@code ratelimit-redis},
     * {@code ratelimit-upstash}); it logs which it uses, with secrets masked, and starts even when
     * every remote backend is down. Every limiter and email store wired from the environment in
     * one JVM shares one connection per server, closed with the last of them. For the other
     * options (deadline, failure policy, listener, waiting for the first connection) use
     * {@code builder().policy(policy).fromEnvironment()}.
     *
     * @param policy the policy to enforce
     * @throws IllegalArgumentException if a variable is malformed (naming it, never a secret)
     */
    static RateLimiter fromEnvironment(Policy policy) {
        return builder().policy(policy).fromEnvironment().build();
    }

    /** {@return a new builder; only the policy is required} */
    static Builder builder() {
        return new Builder();
    }

    /**
     * Configures a {@link RateLimiter}. Every option may be set once ({@link #fallback} adds one
     * each time); {@link #build()} copies what it needs and creates every resource. Not
     * thread-safe.
     */
    final class Builder {
        @Nullable
        Policy policy;

        @Nullable
        RateLimitBackend backend;

        final java.util.List<RateLimitBackend> fallbacks = new java.util.ArrayList<>();
        java.util.function.@Nullable UnaryOperator<String> environment;

        @Nullable
        Duration awaitConnection;

        @Nullable
        Clock clock;

        @Nullable
        Duration deadline;

        FailurePolicy failurePolicy = FailurePolicy.FAIL_OPEN;
        RateLimitListener listener = RateLimitListener.NONE;
        int breakerFailures = 10;
        int breakerWindow = 20;
        Duration openFor = Duration.ofSeconds(1);
        int blockCacheKeys = 10_000;
        long leasePermits;

        @Nullable
        Duration leaseLifetime;

        private final Options set = new Options("RateLimiter.builder()");

        Builder() {}

        /**
         * The policy to enforce (required).
         *
         * @param policy the policy; not null
         * @return this builder
         * @throws IllegalStateException if the policy was already set
         */
        public Builder policy(Policy policy) {
            set.once("policy");
            this.policy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Where the state lives. Default: a new in-memory backend on {@link #clock(Clock)}, private
         * to the limiter (it holds nothing that needs closing); a backend given here is closed by
         * whoever created it: closing the limiter leaves it open.
         *
         * @param backend the primary backend, asked first; not null
         * @return this builder
         * @throws IllegalStateException if the backend was already set
         */
        public Builder backend(RateLimitBackend backend) {
            set.once("backend");
            this.backend = Objects.requireNonNull(backend, "backend");
            return this;
        }

        /**
         * Adds a fallback: asked, in the order added, when the backends before it fail, miss the
         * deadline or have their circuit breaker open. An in-memory fallback
         * ({@code RateLimitBackend.inMemory()}) counts per JVM only: approximate when several
         * instances share the limit, and said so by {@link Decision#fallback()}.
         *
         * @param fallback the backend to add at the end of the chain; not null. It is closed by
         *     whoever created it, not by the limiter
         * @return this builder
         */
        public Builder fallback(RateLimitBackend fallback) {
            this.fallbacks.add(Objects.requireNonNull(fallback, "fallback"));
            return this;
        }

        /**
         * Takes the backends from the environment, as {@link RateLimiter#fromEnvironment(Policy)}
         * describes, instead of {@link #backend} and {@link #fallback}; the limiter closes them.
         *
         * @return this builder
         * @throws IllegalStateException if {@code fromEnvironment} was already called
         */
        public Builder fromEnvironment() {
            return fromEnvironment(System::getenv);
        }

        /**
         * {@link #fromEnvironment()} reading the variables ({@code REDIS_URL}, …) through
         * {@code variables}, which returns {@code null} for an unset one: for configuration that
         * lives elsewhere than in the process environment, and for tests.
         *
         * @param variables the value of a variable by name, {@code null} when it is unset; not null
         * @return this builder
         * @throws IllegalStateException if {@code fromEnvironment} was already called
         */
        public Builder fromEnvironment(java.util.function.UnaryOperator<String> variables) {
            set.once("fromEnvironment");
            this.environment = Objects.requireNonNull(variables, "variables");
            return this;
        }

        /**
         * With {@link #fromEnvironment()}: {@link #build()} waits, at most {@code timeout}, until
         * every configured server has answered. A server that has not answered by then is named in
         * the log and the limiter starts without it, as it would without waiting. Without this
         * option, decisions made while a server is still connecting wait for it within their
         * deadline.
         *
         * @param timeout the longest {@link #build()} waits, between 1 ms and 10 minutes
         * @return this builder
         * @throws IllegalArgumentException unless between 1 ms and 10 minutes
         * @throws IllegalStateException if it was already set
         */
        public Builder awaitConnection(Duration timeout) {
            set.once("awaitConnection");
            this.awaitConnection =
                    Durations.between(timeout, "awaitConnection", Duration.ofMillis(1), Duration.ofMinutes(10));
            return this;
        }

        /**
         * The limiter's clock (default: the system clock): the clock of the local block cache, of
         * the default in-memory backend, and of the circuit breakers' open intervals — so a test
         * with a {@code TestClock} advances it to let a breaker probe (without it, the intervals
         * run on {@code System.nanoTime}).
         *
         * @param clock the time source; not null
         * @return this builder
         * @throws IllegalStateException if the clock was already set
         */
        public Builder clock(Clock clock) {
            set.once("clock");
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The longest a decision may take, across every backend; past it the failure policy
         * answers. Each backend gets its own deadline ({@link RateLimitBackend#deadline()}: 500 ms
         * for Redis, 1 s for Upstash, none for memory, which answers at once), cut short only by
         * this one; a fallback never takes budget from the backends before it. Default: the sum of
         * the backends' deadlines.
         *
         * @param deadline the budget of one decision, between 1 ms and 1 minute
         * @return this builder
         * @throws IllegalArgumentException unless between 1 ms and 1 minute
         * @throws IllegalStateException if the deadline was already set
         */
        public Builder deadline(Duration deadline) {
            set.once("deadline");
            this.deadline = Durations.between(deadline, "deadline", Duration.ofMillis(1), Duration.ofMinutes(1));
            return this;
        }

        /**
         * What to answer when no backend can (default {@link FailurePolicy#FAIL_OPEN}).
         *
         * @param failurePolicy allow or deny a request no backend decided in time; not null
         * @return this builder
         * @throws IllegalStateException if the failure policy was already set
         */
        public Builder failurePolicy(FailurePolicy failurePolicy) {
            set.once("failurePolicy");
            this.failurePolicy = Objects.requireNonNull(failurePolicy, "failurePolicy");
            return this;
        }

        /**
         * Each backend's circuit breakers (one per backend, or per part of it, such as a Redis
         * Cluster node): a breaker opens when {@code failures} of the last {@code window} calls
         * failed or missed their deadline (default 10 of 20); a call answered within its deadline
         * counts as a success however long it took, so a slow moment never opens it. An open breaker is
         * skipped for {@code openFor} (default 1 s; also the {@code retryAfter} of a
         * {@link FailurePolicy#FAIL_CLOSED} answer) or until its backend reconnects; then one
         * background probe closes it or opens it again, for twice as long as the last time (at most
         * eight times {@code openFor}).
         *
         * @param failures how many of the last {@code window} calls must fail to open a breaker
         * @param window how many recent calls a breaker counts, at most 1000
         * @param openFor how long an open breaker is skipped at first, between 1 ms and 10 minutes
         * @return this builder
         * @throws IllegalArgumentException unless {@code 1 <= failures <= window <= 1000} and
         *     {@code openFor} is between 1 ms and 10 minutes
         * @throws IllegalStateException if the circuit breakers were already configured
         */
        public Builder circuitBreaker(int failures, int window, Duration openFor) {
            set.once("circuitBreaker");
            if (failures < 1 || window < failures || window > 1000) {
                throw new IllegalArgumentException(
                        "circuitBreaker needs 1 <= failures <= window <= 1000; got " + failures + " of " + window);
            }
            this.breakerFailures = failures;
            this.breakerWindow = window;
            this.openFor = Durations.between(openFor, "openFor", Duration.ofMillis(1), Duration.ofMinutes(10));
            return this;
        }

        /**
         * The size of the local block cache (default 10,000 keys; 0 turns it off): a key denied until
         * {@code t} is denied locally, without a backend call, until {@code t}. A limiter whose
         * primary backend is the in-memory one has none: that backend answers as fast, and as
         * exactly.
         *
         * @param maxKeys the most denied keys the cache remembers; 0 turns it off
         * @return this builder
         * @throws IllegalArgumentException if {@code maxKeys} is negative
         * @throws IllegalStateException if the block cache was already configured
         */
        public Builder blockCache(int maxKeys) {
            set.once("blockCache");
            if (maxKeys < 0) {
                throw new IllegalArgumentException("blockCache size must be >= 0; got " + maxKeys);
            }
            this.blockCacheKeys = maxKeys;
            return this;
        }

        /**
         * Lease mode, for keys hotter than one backend call per decision can carry: the limiter
         * reserves a slice of a key's permits from its primary backend in one atomic step, which
         * consumes them there for every instance at once, and spends the slice in this JVM, at
         * in-memory speed, until it is gone or ends; then it reserves again. Concurrent callers of
         * one key share one reservation. A slice is sized on the key's recent rate (its use per
         * {@code lifetime}: one permit for a quiet key, up to {@code maxPermits} for a hot one) and
         * cut by the backend to what every limit of the policy has left.
         *
         * <p>The guarantee: across all instances, admitted permits never exceed what the policy
         * allows in any window, because leased permits are already consumed in the shared state
         * and are spent only while they still count there (before the window they were reserved in
         * ends; for a token bucket, before each permit's emission interval starts; and within
         * {@code lifetime}). The cost is under-admission: a slice's unspent permits are lost when
         * it ends, at most {@code maxPermits} per instance and key. A denial is the backend's, with
         * its exact {@code retryAfter}, at the reservation that found too few permits left. Leased
         * permits are decided with {@link Decision.Source#LEASE}; the request that reserved them
         * with {@link Decision.Source#BACKEND}. A reservation that fails or misses the deadline
         * sends its callers down the fallback chain to the failure policy. Peeks are not leased:
         * they read the backend. {@link RateLimiter#reset} drops this limiter's slice of the key;
         * other instances spend theirs until they end.
         *
         * <p>The primary backend must be able to reserve: memory, or a scripted backend (Redis,
         * Upstash). A limiter holds slices for at most 10,000 keys at once; past that, a key
         * without one is decided by the backend, one call per request, until keys whose slices
         * have ended make room.
         *
         * @param maxPermits the largest slice, at least 1
         * @param lifetime the longest a slice is spent, between 1 ms and 1 hour
         * @return this builder
         * @throws IllegalArgumentException if {@code maxPermits < 1} or {@code lifetime} is out of
         *     range
         * @throws IllegalStateException if leases were already configured
         */
        public Builder leases(long maxPermits, Duration lifetime) {
            set.once("leases");
            if (maxPermits < 1) {
                throw new IllegalArgumentException("leases maxPermits must be at least 1; got " + maxPermits);
            }
            this.leaseLifetime =
                    Durations.between(lifetime, "lease lifetime", Duration.ofMillis(1), Duration.ofHours(1));
            this.leasePermits = maxPermits;
            return this;
        }

        /**
         * Receives the limiter's events (default: none).
         *
         * @param listener called for each decision, backend failure, fallback and breaker change;
         *     not null
         * @return this builder
         * @throws IllegalStateException if the listener was already set
         */
        public Builder listener(RateLimitListener listener) {
            set.once("listener");
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Builds the limiter; with {@link #fromEnvironment()}, connects to the configured servers.
         *
         * @return a new limiter, which the caller closes
         * @throws IllegalStateException if no policy was set, backends were given both by
         *     {@link #backend}/{@link #fallback} and by {@link #fromEnvironment()}, or
         *     {@link #awaitConnection} was set without {@link #fromEnvironment()}, or
         *     {@link #leases} with a primary backend that cannot reserve
         * @throws IllegalArgumentException if an environment variable is malformed (naming it,
         *     never a secret)
         */
        public RateLimiter build() {
            Policy policy = this.policy;
            if (policy == null) {
                throw new IllegalStateException("a RateLimiter needs a policy: call policy(...)");
            }
            if (environment != null && (backend != null || !fallbacks.isEmpty())) {
                throw new IllegalStateException(
                        "fromEnvironment() chooses the backends: do not also call backend(...) " + "or fallback(...)");
            }
            if (awaitConnection != null && environment == null) {
                throw new IllegalStateException("awaitConnection(...) goes with fromEnvironment()");
            }
            return new DefaultRateLimiter(this, policy);
        }
    }
}
