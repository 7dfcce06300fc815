package dev.ratelimit;

import dev.ratelimit.spi.Checks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The keys, arguments and reply of the rate-limit script of one policy (generated per policy
 * shape by {@link Scripts#rateLimit}): everything a script-running backend needs besides moving
 * bytes.
 *
 * <p>Key layout: {@code <prefix>:{<key>}:<policy>:<limitIndex>}. The hash tag {@code {<key>}}
 * puts every key of one caller in one Redis Cluster slot, so the multi-key script runs there; a
 * caller key longer than 256 UTF-8 bytes, or holding a {@code }} (which would end the hash tag
 * early), is replaced by {@code sha256:<hex digest>}. The window
 * index is stored in the value rather than the key name, because with the server's clock only the
 * script knows the window, and every key a script touches must be declared in {@code KEYS}.
 *
 * <p>Instances are immutable; the per-policy parts of the arguments are built once.
 */
final class RateLimitScript {

    private static final String[] SMALL = new String[64];

    static {
        for (int i = 0; i < SMALL.length; i++) {
            SMALL[i] = Integer.toString(i);
        }
    }

    private final Policy policy;
    private final String shape;
    private final String[] keySuffixes;
    private final String[] argTemplate;

    RateLimitScript(Policy policy) {
        this.policy = Objects.requireNonNull(policy, "policy");
        List<Limit> limits = policy.limits();
        StringBuilder letters = new StringBuilder(limits.size());
        this.keySuffixes = new String[limits.size()];
        this.argTemplate = new String[1 + 2 * limits.size()];
        for (int j = 0; j < limits.size(); j++) {
            Limit limit = limits.get(j);
            keySuffixes[j] = "}:" + policy.name() + ":" + j;
            int o = 1 + 2 * j;
            switch (limit.algorithm()) {
                case FIXED_WINDOW -> {
                    letters.append('f');
                    argTemplate[o] = Long.toString(limit.permits());
                    argTemplate[o + 1] = Long.toString(limit.windowMicros());
                }
                case SLIDING_WINDOW -> {
                    letters.append('s');
                    argTemplate[o] = Long.toString(limit.permits());
                    argTemplate[o + 1] = Long.toString(limit.windowMicros());
                }
                case TOKEN_BUCKET -> {
                    letters.append('t');
                    argTemplate[o] = Long.toString(limit.emissionIntervalMicros());
                    argTemplate[o + 1] = Long.toString(limit.capacity() * limit.emissionIntervalMicros());
                }
            }
        }
        this.shape = letters.toString();
    }

    /**
     * Checks a key prefix: non-empty, at most 64 characters, without braces (they would break the
     * hash tag) or control characters.
     *
     * @throws IllegalArgumentException naming the problem
     */
    static String checkPrefix(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        if (prefix.isEmpty()
                || prefix.length() > 64
                || prefix.chars()
                        .anyMatch(
                                c -> c == '{' || c == '}' || Character.isISOControl(c) || Character.isWhitespace(c))) {
            throw new IllegalArgumentException("a key prefix has 1 to 64 characters and no braces, "
                    + "whitespace or control characters; got \"" + Checks.printable(prefix) + "\"");
        }
        return prefix;
    }

    /**
     * Checks an extra key lifetime (a backend builder's {@code ttlGrace}): not negative.
     *
     * @throws IllegalArgumentException naming the value
     */
    static Duration checkGrace(Duration grace) {
        Objects.requireNonNull(grace, "grace");
        if (grace.isNegative()) {
            throw new IllegalArgumentException("ttlGrace must not be negative; got " + grace);
        }
        return grace;
    }

    /** The policy these calls decide. */
    Policy policy() {
        return policy;
    }

    /**
     * The state keys of {@code key}, one per limit, in policy order ({@code KEYS} of the script,
     * and what a reset deletes).
     *
     * @throws IllegalArgumentException if the key is empty
     */
    String[] keys(String prefix, String key) {
        if (keySuffixes.length == 1) {
            return new String[] {prefix + ":{" + Keys.hashTag(key) + keySuffixes[0]};
        }
        String head = prefix + ":{" + Keys.hashTag(key);
        String[] keys = new String[keySuffixes.length];
        for (int j = 0; j < keys.length; j++) {
            keys[j] = head + keySuffixes[j];
        }
        return keys;
    }

    /** The policy's shape: one letter per limit, as {@link Scripts#rateLimit} takes it. */
    String shape() {
        return shape;
    }

    /**
     * The script's {@code ARGV}: the permits, each limit's two parameters, then {@code now} when
     * the time is given.
     *
     * @param permits the permits asked for, already checked against the policy
     * @param nowMicros the time to decide at, or a negative number to use the server's clock
     */
    String[] args(long permits, long nowMicros) {
        String[] args;
        if (nowMicros < 0) {
            args = argTemplate.clone();
        } else {
            args = Arrays.copyOf(argTemplate, argTemplate.length + 1);
            args[argTemplate.length] = Long.toString(nowMicros);
        }
        args[0] = permits < SMALL.length ? SMALL[(int) permits] : Long.toString(permits);
        return args;
    }

    /**
     * Turns the script's reply (four integers per limit) into the decision.
     *
     * @throws IllegalStateException if the reply does not have that shape
     */
    Decision decode(List<?> reply) {
        int limits = keySuffixes.length;
        if (reply == null || reply.size() != 4 * limits) {
            throw new IllegalStateException("unexpected reply to the rate-limit script for " + policy.name() + ": "
                    + (reply == null ? "null" : reply.size() + " elements"));
        }
        if (limits == 1) {
            return limit(reply, 0);
        }
        List<Decision> each = new ArrayList<>(limits);
        for (int j = 0; j < limits; j++) {
            each.add(limit(reply, j));
        }
        return Decision.combine(policy, each);
    }

    private Decision limit(List<?> reply, int j) {
        int o = 4 * j;
        return Decision.ofLimit(
                policy,
                j,
                number(reply.get(o)) == 1,
                number(reply.get(o + 1)),
                number(reply.get(o + 2)),
                number(reply.get(o + 3)));
    }

    private static long number(Object value) {
        if (value instanceof Number n) {
            return n.longValue();
        }
        if (value instanceof String s) {
            return Long.parseLong(s);
        }
        throw new IllegalStateException("expected an integer in the rate-limit script's reply, got "
                + (value == null ? "null" : value.getClass().getSimpleName()));
    }
}
