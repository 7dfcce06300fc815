package dev.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The answer to one request for permits: whether it is allowed, what is left, when to retry, and
 * who answered.
 *
 * <p>For a policy with several limits the figures are combined: {@link #remaining()} is the
 * minimum over the limits and {@link #limit()} the capacity of the limit that has it,
 * {@link #retryAfter()} and {@link #resetAfter()} the maximum; {@link #perLimit()} holds each
 * limit's own figures, in policy order, for the response headers.
 *
 * <p>Durations are exact to the microsecond: with no other traffic, the same request is denied at
 * {@code now + retryAfter - 1µs} and allowed at {@code now + retryAfter}. Immutable.
 */
public final class Decision {

    /** Who produced a decision. */
    public enum Source {
        /** The limiter's primary backend. */
        BACKEND,
        /** A fallback backend, named by {@link #fallback()}, while the backends before it failed. */
        FALLBACK,
        /** The limiter's local cache of keys already denied until a known time; no backend was asked. */
        LOCAL_BLOCK_CACHE,
        /** Every backend failed or missed the deadline and the failure policy allowed the request. */
        FAIL_OPEN,
        /** Every backend failed or missed the deadline and the failure policy denied the request. */
        FAIL_CLOSED,
        /**
         * Lease mode ({@link RateLimiter.Builder#leases}): a permit of a slice the limiter reserved
         * earlier from its primary backend, spent in this JVM without a backend call. The figures
         * are those of the backend's state at that reservation, plus the slice's unspent permits.
         * (The request that made the reservation is {@link #BACKEND}.)
         */
        LEASE
    }

    private final Policy policy;
    private final int limitIndex;
    private final boolean allowed;
    private final long remaining;
    private final long resetAfterMicros;
    private final long retryAfterMicros;
    private final Source source;
    private final @Nullable String fallback;
    private final @Nullable List<Decision> perLimit;

    private Decision(
            Policy policy,
            int limitIndex,
            boolean allowed,
            long remaining,
            long resetAfterMicros,
            long retryAfterMicros,
            Source source,
            @Nullable String fallback,
            @Nullable List<Decision> perLimit) {
        this.policy = policy;
        this.limitIndex = limitIndex;
        this.allowed = allowed;
        this.remaining = remaining;
        this.resetAfterMicros = resetAfterMicros;
        this.retryAfterMicros = retryAfterMicros;
        this.source = source;
        this.fallback = fallback;
        this.perLimit = perLimit;
    }

    /**
     * {@return one limit's decision, as a backend computes it ({@link Source#BACKEND})}
     *
     * @param policy the policy decided on; not null
     * @param limitIndex the limit's position in {@code policy.limits()}
     * @param allowed whether this limit allows the request
     * @param remaining permits left after this request, not negative
     * @param resetAfterMicros microseconds until {@code remaining} is back at the capacity, not
     *     negative
     * @param retryAfterMicros microseconds until the same request would be allowed; 0 when allowed
     * @throws IllegalArgumentException if a figure is out of range, or {@code allowed} comes with a
     *     non-zero {@code retryAfterMicros}
     */
    public static Decision ofLimit(
            Policy policy,
            int limitIndex,
            boolean allowed,
            long remaining,
            long resetAfterMicros,
            long retryAfterMicros) {
        Objects.requireNonNull(policy, "policy");
        if (limitIndex < 0
                || limitIndex >= policy.limits().size()
                || remaining < 0
                || resetAfterMicros < 0
                || retryAfterMicros < 0
                || (allowed && retryAfterMicros != 0)) {
            throw new IllegalArgumentException("inconsistent decision for limit " + limitIndex + " of " + policy
                    + ": allowed=" + allowed + ", remaining=" + remaining + ", resetAfter=" + resetAfterMicros
                    + "µs, retryAfter=" + retryAfterMicros + "µs");
        }
        return new Decision(
                policy, limitIndex, allowed, remaining, resetAfterMicros, retryAfterMicros, Source.BACKEND, null, null);
    }

    /**
     * Combines the decisions of every limit of {@code policy}, in policy order, into the policy's
     * decision: allowed iff all allow; the smallest remaining; the largest retry and reset times.
     *
     * @param policy the policy decided on
     * @param perLimit one decision per limit of {@code policy}, in policy order (the list is
     *     copied)
     * @return the combined decision, from {@link Source#BACKEND}; for a single-limit policy, the
     *     one decision given
     * @throws IllegalArgumentException if {@code perLimit} does not hold one decision per limit
     */
    public static Decision combine(Policy policy, List<Decision> perLimit) {
        if (perLimit.size() != policy.limits().size()) {
            throw new IllegalArgumentException("expected " + policy.limits().size() + " limit decisions for " + policy
                    + ", got " + perLimit.size());
        }
        if (perLimit.size() == 1) {
            return perLimit.get(0);
        }
        boolean allowed = true;
        int governing = 0;
        long remaining = Long.MAX_VALUE;
        long reset = 0;
        long retry = 0;
        for (int i = 0; i < perLimit.size(); i++) {
            Decision d = perLimit.get(i);
            allowed &= d.allowed;
            if (d.remaining < remaining) {
                remaining = d.remaining;
                governing = i;
            }
            reset = Math.max(reset, d.resetAfterMicros);
            retry = Math.max(retry, d.retryAfterMicros);
        }
        return new Decision(
                policy, governing, allowed, remaining, reset, retry, Source.BACKEND, null, List.copyOf(perLimit));
    }

    /**
     * This decision as produced by {@code source}; {@code fallback} names the fallback backend and
     * is required exactly when {@code source} is {@link Source#FALLBACK}. Only the limiter says who
     * answered: a backend cannot claim a failure policy's or a cache's answer.
     */
    Decision withSource(Source source, @Nullable String fallback) {
        Objects.requireNonNull(source, "source");
        if ((source == Source.FALLBACK) != (fallback != null)) {
            throw new IllegalArgumentException("a fallback name goes with Source.FALLBACK and only with it");
        }
        return new Decision(
                policy, limitIndex, allowed, remaining, resetAfterMicros, retryAfterMicros, source, fallback, perLimit);
    }

    long retryAfterMicros() {
        return retryAfterMicros;
    }

    long resetAfterMicros() {
        return resetAfterMicros;
    }

    /** {@return whether the request may go ahead} */
    public boolean allowed() {
        return allowed;
    }

    /** {@return the capacity of the governing limit (the one with the fewest permits remaining)} */
    public long limit() {
        return governingLimit().capacity();
    }

    /** {@return the permits left in the governing limit after this request (never negative)} */
    public long remaining() {
        return remaining;
    }

    /** {@return the time until every limit is back at full capacity, with no further traffic} */
    public Duration resetAfter() {
        return micros(resetAfterMicros);
    }

    /** {@return the time until the same request would be allowed; zero when allowed} */
    public Duration retryAfter() {
        return micros(retryAfterMicros);
    }

    /** {@return the policy decided on} */
    public Policy policy() {
        return policy;
    }

    /** {@return the limit whose figures {@link #limit()} and {@link #remaining()} report} */
    public Limit governingLimit() {
        return policy.limits().get(limitIndex);
    }

    /** {@return each limit's own decision, in policy order; a single-limit decision lists itself} */
    public List<Decision> perLimit() {
        return perLimit == null ? List.of(this) : perLimit;
    }

    /** {@return who produced this decision} */
    public Source source() {
        return source;
    }

    /**
     * {@return the name of the fallback backend that answered, or {@code null} unless
     * {@link #source()} is {@link Source#FALLBACK}}
     */
    public @Nullable String fallback() {
        return fallback;
    }

    private static Duration micros(long micros) {
        return Durations.ofMicros(micros);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Decision d
                && allowed == d.allowed
                && limitIndex == d.limitIndex
                && remaining == d.remaining
                && resetAfterMicros == d.resetAfterMicros
                && retryAfterMicros == d.retryAfterMicros
                && source == d.source
                && Objects.equals(fallback, d.fallback)
                && policy.equals(d.policy)
                && Objects.equals(perLimit, d.perLimit);
    }

    @Override
    public int hashCode() {
        return Objects.hash(allowed, limitIndex, remaining, resetAfterMicros, retryAfterMicros, source, policy);
    }

    @Override
    public String toString() {
        return "Decision[" + (allowed ? "allowed" : "denied") + ", policy=" + policy.name()
                + ", limit=" + limit() + ", remaining=" + remaining + ", resetAfter=" + resetAfter()
                + ", retryAfter=" + retryAfter() + ", source=" + source + (fallback == null ? "" : ":" + fallback)
                + "]";
    }
}
