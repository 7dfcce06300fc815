package dev.ratelimit.spring;

import dev.ratelimit.http.QuotaHeaders;
import dev.ratelimit.http.RequestLimits;
import java.util.List;

/** The {@code ratelimit.*} web settings as the shared {@link RequestLimits}, with errors that name the property. */
final class WebSettings {

    private WebSettings() {}

    /** Adds the path rules, each decided by its policy's limiter. */
    static RequestLimits.Builder withRules(RequestLimits.Builder b, RateLimitProperties p, RateLimiters limiters) {
        List<RateLimitProperties.Rule> rules = p.getRules();
        for (int i = 0; i < rules.size(); i++) {
            RateLimitProperties.Rule rule = rules.get(i);
            String path = String.valueOf(rule.getPath()).strip();
            String policy = rule.getPolicy() != null
                    ? rule.getPolicy()
                    : rule.getName() != null ? rule.getName() : RequestLimits.policyName(path);
            try {
                b.rule(String.join(",", rule.getMethods()), path, limiters.get(policy));
            } catch (IllegalArgumentException e) {
                throw new InvalidRateLimitConfigurationException(
                        "ratelimit.rules[" + i + "].path", String.valueOf(e.getMessage()));
            }
        }
        return b;
    }

    /** The client-address, dry-run and problem settings, without rules. */
    static RequestLimits.Builder limits(RateLimitProperties p) {
        RequestLimits.Builder b = RequestLimits.builder();
        try {
            b.trustedProxies(p.getTrustedProxies().toArray(String[]::new));
        } catch (IllegalArgumentException e) {
            throw new InvalidRateLimitConfigurationException(
                    "ratelimit.trusted-proxies", String.valueOf(e.getMessage()));
        }
        try {
            b.exempt(p.getExempt().toArray(String[]::new));
        } catch (IllegalArgumentException e) {
            throw new InvalidRateLimitConfigurationException("ratelimit.exempt", String.valueOf(e.getMessage()));
        }
        try {
            b.ipv6Prefix(p.getIpv6Prefix());
        } catch (IllegalArgumentException e) {
            throw new InvalidRateLimitConfigurationException("ratelimit.ipv6-prefix", String.valueOf(e.getMessage()));
        }
        try {
            b.problemType(p.getProblemType());
        } catch (IllegalArgumentException e) {
            throw new InvalidRateLimitConfigurationException("ratelimit.problem-type", String.valueOf(e.getMessage()));
        }
        return b.forwardedHeader(p.getForwardedHeader()).dryRun(p.isDryRun());
    }

    static QuotaHeaders headers(RateLimitProperties p) {
        return switch (p.getHeaders()) {
            case IETF -> QuotaHeaders.IETF;
            case LEGACY -> QuotaHeaders.LEGACY;
            case NONE -> QuotaHeaders.NONE;
        };
    }
}
