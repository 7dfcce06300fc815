package dev.ratelimit.http;

import dev.ratelimit.RateLimiter;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which requests a limiter applies to: HTTP methods (empty: all) and a path pattern relative to the
 * context — exact ({@code /api/generate}), prefix ({@code /api/*}, which also matches {@code /api}),
 * suffix ({@code *.json}) or everything ({@code /*}). Made by {@link RequestLimits.Builder};
 * immutable.
 */
public final class RequestRule {

    enum Kind {
        EXACT,
        PREFIX,
        SUFFIX,
        ALL
    }

    private final Set<String> methods;
    private final String pattern;
    private final Kind kind;
    private final String fixed;
    private final RateLimiter limiter;

    RequestRule(Set<String> methods, String pattern, RateLimiter limiter) {
        this.methods = methods.stream().map(m -> m.toUpperCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
        this.pattern = pattern;
        this.limiter = limiter;
        this.kind = kind(pattern);
        this.fixed = switch (kind) {
            case ALL -> "";
            case SUFFIX -> pattern.substring(1);
            case PREFIX -> pattern.substring(0, pattern.length() - 2);
            case EXACT -> pattern;
        };
    }

    /**
     * The kind of a path pattern.
     *
     * @throws IllegalArgumentException if it is none
     */
    static Kind kind(String pattern) {
        if (pattern.equals("/*") || pattern.equals("/")) {
            return Kind.ALL;
        } else if (pattern.startsWith("*.")
                && pattern.length() > 2
                && pattern.indexOf('/') < 0
                && pattern.indexOf('*', 1) < 0) {
            return Kind.SUFFIX;
        } else if (pattern.startsWith("/") && pattern.endsWith("/*") && pattern.indexOf('*') == pattern.length() - 1) {
            return Kind.PREFIX;
        } else if (pattern.startsWith("/") && pattern.indexOf('*') < 0) {
            return Kind.EXACT;
        }
        throw new IllegalArgumentException(
                "a path pattern is /exact, /prefix/*, *.suffix or /*; got \"" + pattern + "\"");
    }

    /**
     * Whether a request matches.
     *
     * @param method the request's method, upper case as sent ({@code GET})
     * @param path the path relative to the context, without the query
     * @return true if the method is one of this rule's (or it has none) and the path matches the
     *     pattern
     */
    public boolean matches(String method, String path) {
        if (!methods.isEmpty() && !methods.contains(method)) {
            return false;
        }
        return switch (kind) {
            case ALL -> true;
            case EXACT -> path.equals(fixed);
            case SUFFIX -> path.endsWith(fixed);
            case PREFIX ->
                path.startsWith(fixed) && (path.length() == fixed.length() || path.charAt(fixed.length()) == '/');
        };
    }

    /** {@return the limiter that decides for the requests this rule matches} */
    public RateLimiter limiter() {
        return limiter;
    }

    /** {@return the methods matched, upper case; empty for all; unmodifiable} */
    public Set<String> methods() {
        return methods;
    }

    /** {@return the path pattern as given} */
    public String pattern() {
        return pattern;
    }

    @Override
    public String toString() {
        return (methods.isEmpty() ? "*" : String.join(",", methods)) + " " + pattern + " = " + limiter.policy();
    }
}
