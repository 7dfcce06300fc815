package dev.ratelimit.servlet;

import dev.ratelimit.RateLimiter;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which requests a limiter applies to: HTTP methods (empty: all) and a path pattern relative to the
 * context — exact ({@code /api/generate}), prefix ({@code /api/*}, which also matches {@code /api}),
 * suffix ({@code *.json}) or everything ({@code /*}).
 */
final class Rule {

    private enum Kind {
        EXACT,
        PREFIX,
        SUFFIX,
        ALL
    }

    private final Set<String> methods;
    private final String pattern;
    private final Kind kind;
    private final String fixed;
    final RateLimiter limiter;

    Rule(Set<String> methods, String pattern, RateLimiter limiter) {
        this.methods = methods.stream().map(m -> m.toUpperCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
        this.pattern = pattern;
        this.limiter = limiter;
        if (pattern.equals("/*") || pattern.equals("/")) {
            kind = Kind.ALL;
            fixed = "";
        } else if (pattern.startsWith("*.")
                && pattern.length() > 2
                && pattern.indexOf('/') < 0
                && pattern.indexOf('*', 1) < 0) {
            kind = Kind.SUFFIX;
            fixed = pattern.substring(1);
        } else if (pattern.startsWith("/") && pattern.endsWith("/*") && pattern.indexOf('*') == pattern.length() - 1) {
            kind = Kind.PREFIX;
            fixed = pattern.substring(0, pattern.length() - 2);
        } else if (pattern.startsWith("/") && pattern.indexOf('*') < 0) {
            kind = Kind.EXACT;
            fixed = pattern;
        } else {
            throw new IllegalArgumentException(
                    "a path pattern is /exact, /prefix/*, *.suffix or /*; got \"" + pattern + "\"");
        }
    }

    boolean matches(String method, String path) {
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

    @Override
    public String toString() {
        return (methods.isEmpty() ? "*" : String.join(",", methods)) + " " + pattern + " = " + limiter.policy();
    }
}
