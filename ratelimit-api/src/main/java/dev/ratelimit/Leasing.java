package dev.ratelimit;

import java.util.concurrent.CompletionStage;

/**
 * A backend that can reserve a slice of a key's permits for lease mode ({@link LeasingBackend}):
 * one atomic step that consumes the slice from every limit of the policy, as a request for that
 * many permits would, so it is counted for every instance at once. The in-memory backend and the
 * scripted one (Redis, Upstash: {@code lease.lua}) implement it, with the same figures.
 */
interface Leasing {

    /**
     * Reserves {@code min(want, what every limit has left)} permits when that covers
     * {@code permits}, consuming them; otherwise consumes nothing and denies the request for
     * {@code permits} with exactly the figures {@link RateLimitBackend#evaluate} would give.
     *
     * @param permits the permits of the request that asks for the lease, at least 1
     * @param want the slice wanted, at least {@code permits}
     * @return a stage completing with the grant, or exceptionally if the backend failed
     */
    CompletionStage<Grant> reserve(String key, Policy policy, long permits, long want);

    /**
     * What a reservation got.
     *
     * @param decision the figures after consuming the grant (allowed), or of the denied request
     * @param granted the permits reserved; 0 when denied
     * @param validMicros the last microsecond, counted from the reservation's time, at which a
     *     leased permit may be spent under the policy's window limits (their current windows end
     *     one microsecond later); negative when the policy has none
     * @param slotStartMicros per limit, for a token bucket: microseconds from the reservation's
     *     time to the start of the first leased permit's emission interval (leased permit {@code k},
     *     counted from 1, may be spent until {@code slotStart + (k - 1) × interval}); 0 for a
     *     window limit
     */
    @SuppressWarnings("ArrayRecordComponent") // package-private, read-only after decoding, never compared
    record Grant(Decision decision, long granted, long validMicros, long[] slotStartMicros) {

        /**
         * What {@link Leasing#reserve} computes on {@code state}, a copy the caller installs: the
         * reference of {@code lease.lua}.
         */
        static Grant compute(Policy policy, long[] state, long now, long permits, long want) {
            var limits = policy.limits();
            long grant = want;
            long valid = -1;
            long[] starts = new long[limits.size()];
            for (int j = 0; j < limits.size(); j++) {
                Decision left = Algorithms.decide(policy, j, state, now, 0, false);
                grant = Math.min(grant, left.remaining());
                Limit limit = limits.get(j);
                if (limit.algorithm() == Limit.Algorithm.TOKEN_BUCKET) {
                    starts[j] = left.resetAfterMicros();
                } else {
                    long w = limit.windowMicros();
                    long last = (now / w + 1) * w - now - 1;
                    valid = valid < 0 ? last : Math.min(valid, last);
                }
            }
            boolean granted = permits > 0 && grant >= permits;
            Decision decision = Algorithms.apply(policy, state, now, granted ? grant : permits);
            return new Grant(decision, granted ? grant : 0, valid, starts);
        }
    }
}
