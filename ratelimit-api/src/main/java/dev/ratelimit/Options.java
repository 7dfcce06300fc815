package dev.ratelimit;

import java.util.HashSet;
import java.util.Set;

/** The builders' guard against an option set twice, which is almost always a mistake. */
final class Options {

    private final String owner;
    private final Set<String> set = new HashSet<>();

    Options(String owner) {
        this.owner = owner;
    }

    /** Records that {@code option} is set. @throws IllegalStateException if it was set before */
    void once(String option) {
        if (!set.add(option)) {
            throw new IllegalStateException(owner + ": " + option + " was already set");
        }
    }
}
