package dev.ratelimit.servlet;

import dev.ratelimit.FailurePolicy;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimiter;
import jakarta.servlet.FilterConfig;
import java.util.Collections;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/** A {@link RateLimitFilter} configured by {@code web.xml} init-params; see {@link RateLimitFilter#init}. */
final class InitParams {

    private InitParams() {}

    /**
     * The filter's settings from {@code config}'s init-params.
     *
     * @throws IllegalArgumentException naming the init-param that is wrong
     */
    static RateLimitFilter.Settings settings(FilterConfig config) {
        Set<String> known = Set.of(
                "rules",
                "backend",
                "failure-policy",
                "trusted-proxies",
                "forwarded-header",
                "exempt",
                "ipv6-prefix",
                "key",
                "dry-run",
                "headers");
        for (String name : Collections.list(config.getInitParameterNames())) {
            if (!known.contains(name)) {
                throw new IllegalArgumentException("unknown init-param '" + name + "'; known: " + known);
            }
        }
        String rules = config.getInitParameter("rules");
        if (rules == null || rules.isBlank()) {
            throw new IllegalArgumentException("the init-param 'rules' is required, such as POST /api/generate = 5/1h");
        }
        FailurePolicy failurePolicy = switch (param(config, "failure-policy", "fail-open")) {
            case "fail-open" -> FailurePolicy.FAIL_OPEN;
            case "fail-closed" -> FailurePolicy.FAIL_CLOSED;
            default -> throw new IllegalArgumentException("init-param 'failure-policy' is fail-open or fail-closed");
        };
        Function<Policy, RateLimiter> limiters = switch (param(config, "backend", "memory")) {
            case "memory" ->
                policy -> RateLimiter.builder()
                        .policy(policy)
                        .failurePolicy(failurePolicy)
                        .build();
            case "environment" ->
                policy -> RateLimiter.builder()
                        .policy(policy)
                        .fromEnvironment()
                        .failurePolicy(failurePolicy)
                        .build();
            default -> throw new IllegalArgumentException("init-param 'backend' is memory or environment");
        };
        RateLimitFilter.Builder b = RateLimitFilter.builder().limiters(limiters);
        b.rules(rules);
        b.trustedProxies(split(config.getInitParameter("trusted-proxies")));
        b.forwardedHeader(
                switch (param(config, "forwarded-header", "x-forwarded-for")) {
                    case "x-forwarded-for" -> RateLimitFilter.ForwardedHeader.X_FORWARDED_FOR;
                    case "forwarded" -> RateLimitFilter.ForwardedHeader.FORWARDED;
                    default ->
                        throw new IllegalArgumentException(
                                "init-param 'forwarded-header' is x-forwarded-for or forwarded");
                });
        b.exempt(split(config.getInitParameter("exempt")));
        try {
            b.ipv6Prefix(Integer.parseInt(param(config, "ipv6-prefix", "64")));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("init-param 'ipv6-prefix' is a number of bits, such as 64");
        }
        String key = param(config, "key", "ip");
        if (key.equals("ip")) {
            b.keyResolver(KeyResolver.clientIp());
        } else if (key.equals("principal")) {
            b.keyResolver(KeyResolver.principal());
        } else if (key.startsWith("header:") && key.length() > 7) {
            b.keyResolver(KeyResolver.header(key.substring(7)));
        } else {
            throw new IllegalArgumentException("init-param 'key' is ip, principal or header:NAME");
        }
        b.dryRun(Boolean.parseBoolean(param(config, "dry-run", "false")));
        b.headers(
                switch (param(config, "headers", "ietf")) {
                    case "ietf" -> RateLimitHeaders.IETF;
                    case "legacy" -> RateLimitHeaders.LEGACY;
                    case "none" -> RateLimitHeaders.NONE;
                    default -> throw new IllegalArgumentException("init-param 'headers' is ietf, legacy or none");
                });
        return b.settings();
    }

    private static String param(FilterConfig config, String name, String fallback) {
        String value = config.getInitParameter(name);
        return value == null || value.isBlank() ? fallback : value.strip().toLowerCase(Locale.ROOT);
    }

    private static String[] split(String value) {
        return value == null || value.isBlank() ? new String[0] : value.strip().split("[,\\s]+");
    }
}
