package dev.ratelimit.http;

import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The readable rule syntax of {@link RequestLimits.Builder#rule(String)} (and of the servlet filter's
 * {@code web.xml}):
 *
 * <pre>
 * [name:] METHODS PATH = LIMIT[, LIMIT…]
 * LIMIT   = PERMITS/WINDOW [fixed | sliding | token-bucket [burst N]]
 * WINDOW  = 500ms, 10s, 1m, 1h, 1d, or ISO-8601 (PT90S)
 * METHODS = * or GET,POST,…
 * </pre>
 *
 * <p>For example {@code POST /api/generate = 5/1h} or
 * {@code search: GET /api/search/* = 100/1m sliding, 10/1s token-bucket burst 20}. Without a name,
 * the policy is named after the path ({@code api-generate}). The limits alone, as in
 * {@code 100/1m sliding, 10/1s token-bucket burst 20}, are read by {@link #policy(String, String)}.
 */
record RuleSpec(Set<String> methods, String pattern, Policy policy) {

    private static final Pattern RULE = Pattern.compile(
            "^\\s*(?:([A-Za-z][A-Za-z0-9._-]*)\\s*:\\s*)?(\\*|[A-Za-z]+(?:\\s*,\\s*[A-Za-z]+)*)\\s+(\\S+)\\s*=\\s*(.+?)\\s*$");
    private static final Pattern LIMIT = Pattern.compile(
            "^(\\d+)\\s*/\\s*(\\S+)(?:\\s+(fixed|sliding|token-bucket)(?:\\s+burst\\s+(\\d+))?)?$",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern SHORT_DURATION = Pattern.compile("^(\\d+)(ms|s|m|h|d)$", Pattern.CASE_INSENSITIVE);

    /**
     * Parses one rule.
     *
     * @throws IllegalArgumentException quoting the rule and saying what is wrong
     */
    static RuleSpec parse(String text) {
        Matcher m = RULE.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("cannot read the rate-limit rule \"" + text.strip()
                    + "\": expected [name:] METHODS PATH = LIMIT, such as POST /api/generate = 5/1h");
        }
        Set<String> methods = new LinkedHashSet<>();
        if (!m.group(2).equals("*")) {
            for (String method : m.group(2).split(",", -1)) {
                methods.add(method.strip().toUpperCase(Locale.ROOT));
            }
        }
        String pattern = m.group(3);
        RequestRule.kind(pattern);
        String name = m.group(1) != null ? m.group(1) : nameOf(pattern);
        return new RuleSpec(methods, pattern, Policy.of(name, limits(m.group(4), "the rule \"" + text.strip() + "\"")));
    }

    /**
     * A policy from its limits alone, such as {@code 100/1m sliding, 10/1s token-bucket burst 20}.
     *
     * @throws IllegalArgumentException quoting the text and saying what is wrong
     */
    static Policy policy(String name, String limits) {
        return Policy.of(name, limits(limits, "the limits \"" + limits.strip() + "\""));
    }

    private static List<Limit> limits(String text, String context) {
        List<Limit> limits = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            limits.add(limit(part.strip(), context));
        }
        return limits;
    }

    /** Parses rules separated by newlines or semicolons; blank lines and lines starting with # are skipped. */
    static List<RuleSpec> parseAll(String text) {
        List<RuleSpec> rules = new ArrayList<>();
        for (String line : text.split("[\\n;]", -1)) {
            if (!line.isBlank() && !line.strip().startsWith("#")) {
                rules.add(parse(line));
            }
        }
        return rules;
    }

    private static Limit limit(String text, String context) {
        Matcher m = LIMIT.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("cannot read the limit \"" + text + "\" in " + context
                    + ": expected PERMITS/WINDOW [fixed|sliding|token-bucket [burst N]], such as 5/1h");
        }
        Limit limit = Limit.of(Long.parseLong(m.group(1)), duration(m.group(2), context));
        String algorithm = m.group(3) == null ? "fixed" : m.group(3).toLowerCase(Locale.ROOT);
        limit = switch (algorithm) {
            case "sliding" -> limit.slidingWindow();
            case "token-bucket" -> limit.tokenBucket();
            default -> limit;
        };
        return m.group(4) == null ? limit : limit.burst(Long.parseLong(m.group(4)));
    }

    private static Duration duration(String text, String context) {
        Matcher m = SHORT_DURATION.matcher(text);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2).toLowerCase(Locale.ROOT)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        try {
            return Duration.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("cannot read the window \"" + text + "\" in " + context
                    + ": expected 500ms, 10s, 1m, 1h, 1d or PT90S");
        }
    }

    /** {@code /api/generate} → {@code api-generate}; {@code /*} → {@code all}; {@code *.json} → {@code json}. */
    static String nameOf(String pattern) {
        String name = pattern.replaceAll("[^A-Za-z0-9]+", "-").replaceAll("^-+|-+$", "");
        if (name.isEmpty()) {
            return "all";
        }
        if (!Character.isLetter(name.charAt(0))) {
            name = "r-" + name;
        }
        return name.length() > 64 ? name.substring(0, 64) : name;
    }
}
