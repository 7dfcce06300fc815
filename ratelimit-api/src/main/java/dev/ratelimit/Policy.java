package dev.ratelimit;

import dev.ratelimit.spi.Checks;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A named set of {@link Limit}s that must all pass: a request is allowed only if every limit allows
 * it, and only then does it consume from all of them, atomically.
 *
 * <pre>{@code
 * Policy generate = Policy.of("generate", Limit.perHour(5));
 * Policy api = Policy.of("api", Limit.perHour(1000), Limit.of(10, Duration.ofSeconds(1)).tokenBucket());
 * }</pre>
 *
 * <p>The name is part of every backend key, so one name must always mean the same limits: keep the
 * name and change it when the limits change. Immutable.
 */
public final class Policy {

    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9._-]{0,63}");

    private final String name;
    private final List<Limit> limits;
    private final long capacity;
    private final int hash;
    private final boolean oneTokenBucket;

    private Policy(String name, List<Limit> limits) {
        this.name = name;
        this.limits = limits;
        long min = Long.MAX_VALUE;
        for (Limit limit : limits) {
            min = Math.min(min, limit.capacity());
        }
        this.capacity = min;
        this.hash = 31 * name.hashCode() + limits.hashCode();
        this.oneTokenBucket = limits.size() == 1 && limits.get(0).algorithm() == Limit.Algorithm.TOKEN_BUCKET;
    }

    /**
     * {@return a policy named {@code name} made of one or more limits}
     *
     * @param name a letter followed by up to 63 letters, digits, {@code .}, {@code _} or {@code -}
     * @param first the first limit
     * @param more the other limits, in order; at most 15, none null
     * @throws IllegalArgumentException if the name does not have that form, or there are more than
     *     16 limits
     */
    public static Policy of(String name, Limit first, Limit... more) {
        Objects.requireNonNull(first, "first");
        List<Limit> limits = new ArrayList<>(1 + more.length);
        limits.add(first);
        for (Limit limit : more) {
            limits.add(Objects.requireNonNull(limit, "limit"));
        }
        return of(name, limits);
    }

    /**
     * {@return a policy named {@code name} made of the given limits}
     *
     * @param name a letter followed by up to 63 letters, digits, {@code .}, {@code _} or {@code -}
     * @param limits the limits, in order: at least one, at most 16, none null (the list is copied)
     * @throws IllegalArgumentException if the name does not have that form, or the number of
     *     limits is out of range
     */
    public static Policy of(String name, List<Limit> limits) {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a policy name is a letter followed by up to 63 letters, digits, "
                    + "'.', '_' or '-'; got \"" + Checks.printable(name) + "\"");
        }
        List<Limit> copy = List.copyOf(limits);
        if (copy.isEmpty() || copy.size() > 16) {
            throw new IllegalArgumentException("a policy has 1 to 16 limits; got " + copy.size());
        }
        return new Policy(name, copy);
    }

    /** {@return the name, used in backend keys, headers and logs} */
    public String name() {
        return name;
    }

    /** {@return the limits, in the order given (an unmodifiable list)} */
    public List<Limit> limits() {
        return limits;
    }

    /** {@return the most permits one request may ask for: the smallest capacity among the limits} */
    public long capacity() {
        return capacity;
    }

    /**
     * Checks that {@code permits} is a valid request for this policy.
     *
     * @param permits the permits a request asks for
     * @throws IllegalArgumentException if {@code permits} is negative or above a limit's capacity,
     *     naming the values
     */
    public void checkPermits(long permits) {
        if (permits < 0) {
            throw new IllegalArgumentException("permits must be >= 0; got " + permits);
        }
        if (permits > capacity) {
            for (int i = 0; i < limits.size(); i++) {
                Limit limit = limits.get(i);
                if (permits > limit.capacity()) {
                    throw new IllegalArgumentException("permits " + permits + " exceed the capacity " + limit.capacity()
                            + " of limit " + i + " (" + limit + ") of policy '" + name + "'");
                }
            }
        }
    }

    /** {@return whether the policy is one token bucket: its whole state is one number} */
    boolean isOneTokenBucket() {
        return oneTokenBucket;
    }

    @Override
    public boolean equals(Object o) {
        return o == this
                || (o instanceof Policy other
                        && hash == other.hash
                        && name.equals(other.name)
                        && limits.equals(other.limits));
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return "Policy[" + name + ": " + limits + "]";
    }
}
