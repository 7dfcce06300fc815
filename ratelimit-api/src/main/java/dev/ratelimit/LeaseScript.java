package dev.ratelimit;

import dev.ratelimit.spi.ScriptTransport;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * The arguments and reply of {@link Scripts#LEASE} ({@code lease.lua}) for the scripted backend: the
 * state keys of {@link RateLimitScript}, and {@code ARGV} in the rate-limit script's layout with
 * the slice wanted in place of the consume flag.
 */
final class LeaseScript {

    private LeaseScript() {}

    static CompletionStage<Leasing.Grant> reserve(
            ScriptTransport transport,
            String prefix,
            @Nullable Clock clock,
            long graceMillis,
            String key,
            Policy policy,
            long permits,
            long want) {
        policy.checkPermits(permits);
        if (permits < 1 || want < permits) {
            throw new IllegalArgumentException(
                    "a lease is for 1 or more permits, and wants at least as many; got " + permits + " and " + want);
        }
        String[] keys = new RateLimitScript(policy).keys(prefix, key);
        String[] args = args(policy, clock == null ? -1 : clock.nowMicros(), permits, graceMillis, want);
        return transport.eval(Scripts.LEASE, keys, args).thenApply(reply -> decode(policy, reply));
    }

    static String[] args(Policy policy, long nowMicros, long permits, long graceMillis, long want) {
        List<Limit> limits = policy.limits();
        String[] args = new String[4 + 3 * limits.size()];
        args[0] = nowMicros < 0 ? "" : Long.toString(nowMicros);
        args[1] = Long.toString(permits);
        args[2] = Long.toString(graceMillis);
        args[3] = Long.toString(want);
        for (int j = 0; j < limits.size(); j++) {
            Limit limit = limits.get(j);
            int o = 4 + 3 * j;
            switch (limit.algorithm()) {
                case FIXED_WINDOW, SLIDING_WINDOW -> {
                    args[o] = limit.algorithm() == Limit.Algorithm.FIXED_WINDOW ? "f" : "s";
                    args[o + 1] = Long.toString(limit.permits());
                    args[o + 2] = Long.toString(limit.windowMicros());
                }
                case TOKEN_BUCKET -> {
                    args[o] = "t";
                    args[o + 1] = Long.toString(limit.emissionIntervalMicros());
                    args[o + 2] = Long.toString(limit.capacity() * limit.emissionIntervalMicros());
                }
            }
        }
        return args;
    }

    /** Two integers, then five per limit; see {@code lease.lua}. */
    static Leasing.Grant decode(Policy policy, Object reply) {
        List<?> list = ScriptedRateLimitBackend.list(reply);
        int limits = policy.limits().size();
        if (list.size() != 2 + 5 * limits) {
            throw new IllegalStateException(
                    "unexpected reply to the lease script for " + policy.name() + ": " + list.size() + " elements");
        }
        List<Decision> each = new ArrayList<>(limits);
        long[] starts = new long[limits];
        for (int j = 0; j < limits; j++) {
            int o = 2 + 5 * j;
            each.add(Decision.ofLimit(
                    policy,
                    j,
                    number(list.get(o)) == 1,
                    number(list.get(o + 1)),
                    number(list.get(o + 2)),
                    number(list.get(o + 3))));
            starts[j] = number(list.get(o + 4));
        }
        return new Leasing.Grant(Decision.combine(policy, each), number(list.get(0)), number(list.get(1)), starts);
    }

    private static long number(@Nullable Object value) {
        if (value instanceof Number n) {
            return n.longValue();
        }
        if (value instanceof String s) {
            return Long.parseLong(s);
        }
        throw new IllegalStateException("expected an integer in the lease script's reply, got "
                + (value == null ? "null" : value.getClass().getSimpleName()));
    }
}
