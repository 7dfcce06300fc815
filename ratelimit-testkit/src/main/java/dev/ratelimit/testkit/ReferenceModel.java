package dev.ratelimit.testkit;

import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A deliberately naive model of one key under one policy, written apart from the library's
 * implementation: it keeps a count per window index (or the token bucket's tat), decides from the
 * definitions in docs/ALGORITHMS.md, and finds {@code retryAfter} and {@code resetAfter} by searching time
 * for the first instant the definition holds, rather than by closed-form formulas.
 */
final class ReferenceModel {

    /** One limit's expected figures. */
    record Outcome(boolean allowed, long remaining, long resetAfter, long retryAfter) {}

    /** The expected figures of a request: the combined decision and each limit's. */
    record Expected(
            boolean allowed, long limit, long remaining, long resetAfter, long retryAfter, List<Outcome> perLimit) {}

    private final Policy policy;
    private final List<Map<Long, Long>> counts = new ArrayList<>();
    private final long[] tat;

    ReferenceModel(Policy policy) {
        this.policy = policy;
        for (int i = 0; i < policy.limits().size(); i++) {
            counts.add(new HashMap<>());
        }
        this.tat = new long[policy.limits().size()];
    }

    void reset() {
        counts.forEach(Map::clear);
        java.util.Arrays.fill(tat, 0);
    }

    /** What a request for {@code permits} at {@code now} would be told; the model is left as it was. */
    Expected peek(long now, long permits) {
        List<Map<Long, Long>> savedCounts = new ArrayList<>();
        counts.forEach(c -> savedCounts.add(new HashMap<>(c)));
        long[] savedTat = tat.clone();
        Expected expected = request(now, permits);
        for (int i = 0; i < counts.size(); i++) {
            counts.set(i, savedCounts.get(i));
        }
        System.arraycopy(savedTat, 0, tat, 0, tat.length);
        return expected;
    }

    Expected request(long now, long permits) {
        int n = policy.limits().size();
        boolean all = true;
        for (int i = 0; i < n; i++) {
            all &= allows(i, now, permits);
        }
        List<Outcome> each = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            final int limit = i;
            boolean own = allows(limit, now, permits);
            long retry = own ? 0 : firstTime(now, 1, t -> allows(limit, t, permits)) - now;
            if (all && permits > 0) {
                consume(limit, now, permits);
            }
            long remaining = remaining(limit, now);
            long reset = firstTime(now, 0, t -> isFull(limit, t)) - now;
            each.add(new Outcome(own, remaining, reset, retry));
        }
        int governing = 0;
        long reset = 0;
        long retry = 0;
        for (int i = 0; i < n; i++) {
            if (each.get(i).remaining() < each.get(governing).remaining()) {
                governing = i;
            }
            reset = Math.max(reset, each.get(i).resetAfter());
            retry = Math.max(retry, each.get(i).retryAfter());
        }
        return new Expected(
                all,
                policy.limits().get(governing).capacity(),
                each.get(governing).remaining(),
                reset,
                retry,
                each);
    }

    private boolean allows(int i, long t, long permits) {
        Limit limit = policy.limits().get(i);
        return switch (limit.algorithm()) {
            case FIXED_WINDOW -> count(i, t / limit.windowMicros()) + permits <= limit.permits();
            case SLIDING_WINDOW -> estimate(i, t) + permits <= limit.permits();
            case TOKEN_BUCKET -> {
                long interval = interval(limit);
                yield Math.max(tat[i], t) + permits * interval - t <= limit.capacity() * interval;
            }
        };
    }

    private boolean isFull(int i, long t) {
        Limit limit = policy.limits().get(i);
        return switch (limit.algorithm()) {
            case FIXED_WINDOW -> count(i, t / limit.windowMicros()) == 0;
            case SLIDING_WINDOW -> estimate(i, t) == 0;
            case TOKEN_BUCKET -> tat[i] <= t;
        };
    }

    private void consume(int i, long t, long permits) {
        Limit limit = policy.limits().get(i);
        switch (limit.algorithm()) {
            case FIXED_WINDOW, SLIDING_WINDOW -> counts.get(i).merge(t / limit.windowMicros(), permits, Long::sum);
            case TOKEN_BUCKET -> tat[i] = Math.max(tat[i], t) + permits * interval(limit);
        }
    }

    /** Permits remaining at {@code t}, after any consumption at {@code t} has been counted. */
    private long remaining(int i, long t) {
        Limit limit = policy.limits().get(i);
        return switch (limit.algorithm()) {
            case FIXED_WINDOW -> limit.permits() - count(i, t / limit.windowMicros());
            case SLIDING_WINDOW -> Math.max(0, limit.permits() - estimate(i, t));
            case TOKEN_BUCKET -> {
                long interval = interval(limit);
                long bucketTat = Math.max(tat[i], t);
                yield Math.max(0, Math.floorDiv(limit.capacity() * interval - (bucketTat - t), interval));
            }
        };
    }

    private long estimate(int i, long t) {
        Limit limit = policy.limits().get(i);
        long w = limit.windowMicros();
        long window = t / w;
        long elapsed = t - window * w;
        return count(i, window)
                + java.math.BigInteger.valueOf(count(i, window - 1))
                        .multiply(java.math.BigInteger.valueOf(w - elapsed))
                        .divide(java.math.BigInteger.valueOf(w))
                        .longValueExact();
    }

    private long count(int i, long window) {
        return counts.get(i).getOrDefault(window, 0L);
    }

    private static long interval(Limit limit) {
        long w = limit.windowMicros();
        long q = limit.permits();
        return w % q == 0 ? w / q : w / q + 1;
    }

    /**
     * The first time {@code t >= now + minDelay} at which {@code holds} is true; the conditions
     * searched for only ever turn from false to true as time passes with no traffic.
     */
    private static long firstTime(long now, long minDelay, java.util.function.LongPredicate holds) {
        long lo = now + minDelay;
        if (holds.test(lo)) {
            return lo;
        }
        long step = 1;
        long hi = lo + step;
        while (!holds.test(hi)) {
            lo = hi;
            step *= 2;
            hi = lo + step;
        }
        // holds(lo) is false, holds(hi) is true
        while (hi - lo > 1) {
            long mid = lo + (hi - lo) / 2;
            if (holds.test(mid)) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return hi;
    }
}
