package dev.ratelimit;

import dev.ratelimit.spi.Checks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The keys, arguments and reply of {@link Script#RATE_LIMIT} for one policy: everything a
 * script-running backend needs besides moving bytes.
 *
 * <p>Key layout: {@code <prefix>:{<key>}:<policy>:<limitIndex>}. The hash tag {@code {<key>}}
 * puts every key of one caller in one Redis Cluster slot, so the multi-key script runs there; a
 * caller key longer than 256 UTF-8 bytes, or holding a {@code }} (which would end the hash tag
 * early), is replaced by {@code sha256:<hex digest>}. The window
 * index is stored in the value rather than the key name, because with the server's clock only the
 * script knows the window, and every key a script touches must be declared in {@code KEYS}.
 *
 * <p>Instances are immutable and cached per policy; the per-policy parts of the arguments are
 * built once.
 */
final class RateLimitScript {

    private static final int CACHE_LIMIT = 10_000;
    private static final ConcurrentHashMap<Policy, RateLimitScript> CACHE = new ConcurrentHashMap<>();

    private final Policy policy;
    private final String[] keySuffixes;
    private final String[] argTemplate;

    private RateLimitScript(Policy policy) {
        this.policy = policy;
        List<Limit> limits = policy.limits();
        this.keySuffixes = new String[limits.size()];
        this.argTemplate = new String[4 + 3 * limits.size()];
        for (int j = 0; j < limits.size(); j++) {
            Limit limit = limits.get(j);
            keySuffixes[j] = "}:" + policy.name() + ":" + j;
            int o = 4 + 3 * j;
            switch (limit.algorithm()) {
                case FIXED_WINDOW -> {
                    argTemplate[o] = "f";
                    argTemplate[o + 1] = Long.toString(limit.permits());
                    argTemplate[o + 2] = Long.toString(limit.windowMicros());
                }
                case SLIDING_WINDOW -> {
                    argTemplate[o] = "s";
                    argTemplate[o + 1] = Long.toString(limit.permits());
                    argTemplate[o + 2] = Long.toString(limit.windowMicros());
                }
                case TOKEN_BUCKET -> {
                    argTemplate[o] = "t";
                    argTemplate[o + 1] = Long.toString(limit.emissionIntervalMicros());
                    argTemplate[o + 2] = Long.toString(limit.capacity() * limit.emissionIntervalMicros());
                }
            }
        }
    }

    /** The script calls for {@code policy}. */
    static RateLimitScript of(Policy policy) {
        RateLimitScript script = CACHE.get(Objects.requireNonNull(policy, "policy"));
        if (script == null) {
            if (CACHE.size() >= CACHE_LIMIT) {
                CACHE.clear();
            }
            script = CACHE.computeIfAbsent(policy, RateLimitScript::new);
        }
        return script;
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
        String head = prefix + ":{" + Keys.hashTag(key);
        String[] keys = new String[keySuffixes.length];
        for (int j = 0; j < keys.length; j++) {
            keys[j] = head + keySuffixes[j];
        }
        return keys;
    }

    /**
     * The script's {@code ARGV}.
     *
     * @param permits the permits asked for, already checked against the policy
     * @param nowMicros the time to decide at, or a negative number to use the server's clock
     * @param graceMillis added to every key's TTL, to absorb skew between an explicit clock and the
     *     server's expiry clock
     * @param consume false for a peek: the script decides as for a request but stores nothing
     */
    String[] args(long permits, long nowMicros, long graceMillis, boolean consume) {
        String[] args = argTemplate.clone();
        args[0] = nowMicros < 0 ? "" : Long.toString(nowMicros);
        args[1] = Long.toString(permits);
        args[2] = Long.toString(graceMillis);
        args[3] = consume ? "1" : "0";
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
