package dev.ratelimit;

/**
 * The algorithms of docs/ALGORITHMS.md in Java, on a {@code long[]} holding {@link #SLOTS} values
 * per limit: the in-memory backend's decisions and the block cache's. The Lua scripts compute the
 * same figures with the same integer formulas; the contract suite holds every backend, this one
 * included, to an independent reference model.
 */
final class Algorithms {

    /** State slots per limit: fixed window (index, count), sliding window (index, count, previous count), token bucket (tat). */
    static final int SLOTS = 3;

    private Algorithms() {}

    /**
     * Decides a request for {@code permits} at {@code now} and, when every limit allows it and
     * {@code permits > 0}, consumes from all of them, in {@code state}: the caller's own copy.
     */
    static Decision apply(Policy policy, long[] state, long now, long permits) {
        return decision(policy, state, now, permits, true);
    }

    /**
     * {@link #apply}'s decision on {@code before}, the state as it was before the request, without
     * writing to it.
     */
    static Decision describe(Policy policy, long[] before, long now, long permits) {
        return decision(policy, before, now, permits, false);
    }

    private static Decision decision(Policy policy, long[] state, long now, long permits, boolean write) {
        var limits = policy.limits();
        int n = limits.size();
        boolean all = true;
        for (int i = 0; i < n && all; i++) {
            all = allows(limits.get(i), state, i * SLOTS, now, permits);
        }
        if (n == 1) {
            return decide(policy, 0, state, now, permits, all, write);
        }
        Decision[] each = new Decision[n];
        for (int i = 0; i < n; i++) {
            each[i] = decide(policy, i, state, now, permits, all, write);
        }
        return Decision.combine(policy, java.util.Arrays.asList(each));
    }

    /**
     * When every limit allows a request for {@code permits} at {@code now}, consumes it in
     * {@code state} (the caller's own copy) exactly as {@link #apply} would, without working out
     * the decision ({@link #describe} does, from the state before).
     */
    static void consume(Policy policy, long[] state, long now, long permits) {
        var limits = policy.limits();
        int n = limits.size();
        for (int i = 0; i < n; i++) {
            if (!allows(limits.get(i), state, i * SLOTS, now, permits)) {
                return;
            }
        }
        if (permits > 0) {
            for (int i = 0; i < n; i++) {
                take(limits.get(i), state, i * SLOTS, now, permits);
            }
        }
    }

    /** Consumes {@code permits} from one limit's slots at {@code now}, as {@link #decide} does when it takes. */
    private static void take(Limit limit, long[] s, int o, long now, long permits) {
        long w = limit.windowMicros();
        switch (limit.algorithm()) {
            case FIXED_WINDOW -> {
                long i = now / w;
                s[o + 1] = (s[o] == i ? s[o + 1] : 0) + permits;
                s[o] = i;
            }
            case SLIDING_WINDOW -> {
                long i = now / w;
                long c = current(s, o, i);
                long p = previous(s, o, i);
                s[o] = i;
                s[o + 1] = c + permits;
                s[o + 2] = p;
            }
            case TOKEN_BUCKET -> s[o] = Math.max(s[o], now) + permits * limit.emissionIntervalMicros();
        }
    }

    /** The time at which {@code state} stops mattering: a fresh state from then on decides the same. */
    static long expiresAt(Policy policy, long[] state) {
        long at = 0;
        var limits = policy.limits();
        for (int i = 0; i < limits.size(); i++) {
            Limit limit = limits.get(i);
            int o = i * SLOTS;
            long w = limit.windowMicros();
            long until = switch (limit.algorithm()) {
                case FIXED_WINDOW -> state[o + 1] > 0 ? (state[o] + 1) * w : 0;
                case SLIDING_WINDOW ->
                    state[o + 1] > 0 ? (state[o] + 2) * w : state[o + 2] > 0 ? (state[o] + 1) * w : 0;
                case TOKEN_BUCKET -> state[o];
            };
            at = Math.max(at, until);
        }
        return at;
    }

    private static boolean allows(Limit limit, long[] s, int o, long now, long permits) {
        long w = limit.windowMicros();
        long q = limit.permits();
        return switch (limit.algorithm()) {
            case FIXED_WINDOW -> {
                long i = now / w;
                long c = s[o] == i ? s[o + 1] : 0;
                yield c + permits <= q;
            }
            case SLIDING_WINDOW -> {
                long i = now / w;
                long e = now - i * w;
                yield current(s, o, i) + previous(s, o, i) * (w - e) / w + permits <= q;
            }
            case TOKEN_BUCKET -> {
                long t = limit.emissionIntervalMicros();
                yield Math.max(s[o], now) + permits * t - now <= limit.capacity() * t;
            }
        };
    }

    /**
     * Limit {@code index}'s decision on a request for {@code permits} at {@code now}, consuming
     * {@code permits} when {@code consume} (the whole policy allowed) and {@code permits > 0} —
     * in {@code s} too when {@code write}.
     */
    static Decision decide(Policy policy, int index, long[] s, long now, long permits, boolean consume) {
        return decide(policy, index, s, now, permits, consume, true);
    }

    private static Decision decide(
            Policy policy, int index, long[] s, long now, long permits, boolean consume, boolean write) {
        Limit limit = policy.limits().get(index);
        int o = index * SLOTS;
        long w = limit.windowMicros();
        long q = limit.permits();
        boolean take = consume && permits > 0;
        return switch (limit.algorithm()) {
            case FIXED_WINDOW -> {
                long i = now / w;
                long c = s[o] == i ? s[o + 1] : 0;
                boolean ok = c + permits <= q;
                long after = take ? c + permits : c;
                if (take && write) {
                    s[o] = i;
                    s[o + 1] = after;
                }
                long toBoundary = (i + 1) * w - now;
                yield Decision.ofLimit(policy, index, ok, q - after, after == 0 ? 0 : toBoundary, ok ? 0 : toBoundary);
            }
            case SLIDING_WINDOW -> {
                long i = now / w;
                long e = now - i * w;
                long c = current(s, o, i);
                long p = previous(s, o, i);
                long estimate = c + p * (w - e) / w;
                boolean ok = estimate + permits <= q;
                long after = take ? c + permits : c;
                if (take && write) {
                    s[o] = i;
                    s[o + 1] = after;
                    s[o + 2] = p;
                }
                long remaining = Math.max(0, q - estimate - (consume ? permits : 0));
                yield Decision.ofLimit(
                        policy,
                        index,
                        ok,
                        remaining,
                        untilEstimateAtMost(0, after, p, e, w),
                        ok ? 0 : untilEstimateAtMost(q - permits, c, p, e, w));
            }
            case TOKEN_BUCKET -> {
                Decision decision = tokenBucket(policy, index, s[o], now, permits, consume);
                if (take && write) {
                    s[o] = Math.max(s[o], now) + permits * limit.emissionIntervalMicros();
                }
                yield decision;
            }
        };
    }

    /**
     * Token bucket limit {@code index}'s decision on a request for {@code permits} at {@code now},
     * on theoretical arrival time {@code tat} (0 for a fresh bucket), consuming when
     * {@code consume} and {@code permits > 0}; the new {@code tat} is then
     * {@code max(tat, now) + permits × interval}.
     */
    static Decision tokenBucket(Policy policy, int index, long tat, long now, long permits, boolean consume) {
        Limit limit = policy.limits().get(index);
        long t = limit.emissionIntervalMicros();
        long bt = limit.capacity() * t;
        long from = Math.max(tat, now);
        long newTat = from + permits * t;
        boolean ok = newTat - now <= bt;
        long after = consume && permits > 0 ? newTat : from;
        long remaining = Math.max(0, Math.floorDiv(bt - (after - now), t));
        return Decision.ofLimit(policy, index, ok, remaining, after - now, ok ? 0 : newTat - now - bt);
    }

    private static long current(long[] s, int o, long window) {
        return s[o] == window ? s[o + 1] : 0;
    }

    private static long previous(long[] s, int o, long window) {
        return s[o] == window ? s[o + 2] : s[o] == window - 1 ? s[o + 1] : 0;
    }

    /**
     * Microseconds from offset {@code e} of the current window until the sliding estimate, with
     * counts {@code c} (this window) and {@code p} (previous window) and no further traffic, is at
     * most {@code k}. The estimate only falls with time, so the first such instant is exact.
     */
    static long untilEstimateAtMost(long k, long c, long p, long e, long w) {
        if (c <= k) {
            long at = p == 0 ? e : Math.max(e, w - ceilDiv((k - c + 1) * w, p) + 1);
            if (at < w) {
                return at - e;
            }
        }
        long next = c == 0 ? 0 : Math.max(0, w - ceilDiv((k + 1) * w, c) + 1);
        return w - e + next;
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }
}
