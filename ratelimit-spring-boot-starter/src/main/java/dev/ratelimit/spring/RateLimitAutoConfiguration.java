package dev.ratelimit.spring;

import dev.ratelimit.Clock;
import dev.ratelimit.EmailStore;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimitListener;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.http.RequestLimits;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

/**
 * The limiters and the email store, wired from the {@code ratelimit.*} properties: Redis from
 * {@code ratelimit.redis.url} (else {@code REDIS_URL}), then Upstash from
 * {@code ratelimit.upstash.url} and {@code .token} (else {@code UPSTASH_REDIS_REST_URL} and
 * {@code _TOKEN}), then this JVM's memory — as {@code RateLimiter.fromEnvironment} does, with one
 * connection per server shared by every limiter and the store. Nothing of Spring Data Redis is used.
 *
 * <p>A {@link RateLimiter} bean of the application's replaces the limiter of its policy; an
 * {@link EmailStore} bean replaces the store; a {@link RateLimiters} bean replaces them all. Every
 * {@link RateLimitListener} bean hears the limiters the starter builds, and a {@link Clock} bean (a
 * {@code TestClock} in an application's tests) is their clock: of the in-memory backend, the block
 * cache and the breakers' open intervals (Redis and Upstash keep the server's clock).
 */
@AutoConfiguration
@EnableConfigurationProperties(RateLimitProperties.class)
@ConditionalOnProperty(prefix = "ratelimit", name = "enabled", matchIfMissing = true)
public class RateLimitAutoConfiguration {

    /** Made by Spring. */
    public RateLimitAutoConfiguration() {}

    /**
     * A limiter for each policy of {@code ratelimit.policies} and of the rules' own limits, unless
     * a {@link RateLimiter} bean of the application's has the policy's name.
     *
     * @throws InvalidRateLimitConfigurationException naming the property that is wrong
     */
    @Bean
    @ConditionalOnMissingBean
    RateLimiters rateLimiters(
            RateLimitProperties properties,
            Environment environment,
            ObjectProvider<RateLimiter> applicationLimiters,
            ObjectProvider<RateLimitListener> listeners,
            ObjectProvider<RateLimitInstrumentation> instrumentation,
            ObjectProvider<Clock> clock) {
        Variables variables = new Variables(properties, environment);
        checkBackendModules(properties);
        Map<String, Policy> policies = policies(properties);
        Map<String, RateLimiter> byPolicy = new LinkedHashMap<>();
        applicationLimiters
                .orderedStream()
                .forEach(limiter -> byPolicy.putIfAbsent(limiter.policy().name(), limiter));
        RateLimitListener listener =
                RateLimitListener.all(listeners.orderedStream().toList());
        List<RateLimiter> owned = new ArrayList<>();
        try {
            for (Policy policy : policies.values()) {
                if (!byPolicy.containsKey(policy.name())) {
                    RateLimiter limiter = build(properties, variables, policy, listener, clock.getIfAvailable());
                    owned.add(limiter);
                    byPolicy.put(policy.name(), limiter);
                }
            }
        } catch (RuntimeException e) {
            owned.forEach(RateLimiter::close);
            throw e;
        }
        checkRulePolicies(properties, byPolicy);
        instrumentation.orderedStream().forEach(i -> byPolicy.values().forEach(i::bind));
        return new RateLimiters(byPolicy, owned);
    }

    /**
     * The email store: Redis, then Upstash, with a durable spool in {@code ratelimit.email.spool-dir}
     * (else {@code RATELIMIT_SPOOL_DIR}, else {@code ./ratelimit-spool}); in memory without a server.
     *
     * @throws InvalidRateLimitConfigurationException naming the property that is wrong
     */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "ratelimit.email", name = "enabled", matchIfMissing = true)
    EmailStore emailStore(
            RateLimitProperties properties,
            Environment environment,
            ObjectProvider<RateLimitInstrumentation> instrumentation) {
        Variables variables = new Variables(properties, environment);
        checkBackendModules(properties);
        EmailStore store;
        try {
            store = EmailStore.fromEnvironment(variables);
        } catch (IllegalArgumentException e) {
            throw variables.explain(e);
        }
        for (RateLimitInstrumentation i : instrumentation.orderedStream().toList()) {
            store = i.bind(store);
        }
        return store;
    }

    private static RateLimiter build(
            RateLimitProperties p,
            Variables variables,
            Policy policy,
            RateLimitListener listener,
            @Nullable Clock clock) {
        RateLimiter.Builder b = RateLimiter.builder()
                .policy(policy)
                .fromEnvironment(variables)
                .failurePolicy(p.getFailurePolicy())
                .listener(listener);
        if (clock != null) {
            b.clock(clock);
        }
        try {
            if (p.getDeadline() != null) {
                b.deadline(p.getDeadline());
            }
        } catch (IllegalArgumentException e) {
            throw new InvalidRateLimitConfigurationException("ratelimit.deadline", String.valueOf(e.getMessage()));
        }
        try {
            if (p.getAwaitConnection() != null) {
                b.awaitConnection(p.getAwaitConnection());
            }
        } catch (IllegalArgumentException e) {
            throw new InvalidRateLimitConfigurationException(
                    "ratelimit.await-connection", String.valueOf(e.getMessage()));
        }
        try {
            b.blockCache(p.getBlockCache());
        } catch (IllegalArgumentException e) {
            throw new InvalidRateLimitConfigurationException("ratelimit.block-cache", String.valueOf(e.getMessage()));
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw variables.explain(e);
        }
    }

    /** Every policy the properties name, by name, in order: {@code ratelimit.policies}, then the rules' own. */
    static Map<String, Policy> policies(RateLimitProperties properties) {
        Map<String, Policy> policies = new LinkedHashMap<>();
        properties
                .getPolicies()
                .forEach((name, limits) -> policies.put(name, policy("ratelimit.policies." + name, name, limits)));
        List<RateLimitProperties.Rule> rules = properties.getRules();
        for (int i = 0; i < rules.size(); i++) {
            RateLimitProperties.Rule rule = rules.get(i);
            String at = "ratelimit.rules[" + i + "]";
            String path = rule.getPath();
            if (path == null || path.isBlank()) {
                throw new InvalidRateLimitConfigurationException(
                        at + ".path", "every rule needs a path, such as /api/*");
            }
            boolean ownLimits = !rule.getLimits().isEmpty();
            if (ownLimits == (rule.getPolicy() != null)) {
                throw new InvalidRateLimitConfigurationException(
                        at,
                        "a rule has either a policy (the name of one in "
                                + "ratelimit.policies) or limits of its own (such as 5/1h), not "
                                + (ownLimits ? "both" : "neither"));
            }
            if (ownLimits) {
                String name = rule.getName() != null ? rule.getName() : RequestLimits.policyName(path.strip());
                Policy policy = policy(at + ".limits", name, rule.getLimits());
                Policy before = policies.putIfAbsent(name, policy);
                if (before != null && !before.equals(policy)) {
                    throw new InvalidRateLimitConfigurationException(
                            at + ".name",
                            "the policy '" + name
                                    + "' is defined twice with different limits; give the rule another name");
                }
            }
        }
        return policies;
    }

    private static Policy policy(String property, String name, List<String> limits) {
        try {
            return RequestLimits.policy(name, String.join(",", limits));
        } catch (IllegalArgumentException e) {
            throw new InvalidRateLimitConfigurationException(property, String.valueOf(e.getMessage()));
        }
    }

    private static void checkRulePolicies(RateLimitProperties properties, Map<String, RateLimiter> byPolicy) {
        List<RateLimitProperties.Rule> rules = properties.getRules();
        for (int i = 0; i < rules.size(); i++) {
            String policy = rules.get(i).getPolicy();
            if (policy != null && !byPolicy.containsKey(policy)) {
                throw new InvalidRateLimitConfigurationException(
                        "ratelimit.rules[" + i + "].policy",
                        "there is no policy "
                                + "named '" + policy + "'; there are " + byPolicy.keySet()
                                + " (from ratelimit.policies, the rules' own limits and RateLimiter beans)");
            }
        }
    }

    /** A server configured by a property whose backend module is missing would be ignored silently. */
    private static void checkBackendModules(RateLimitProperties properties) {
        ClassLoader loader = RateLimitAutoConfiguration.class.getClassLoader();
        if (properties.getRedis().getUrl() != null
                && !ClassUtils.isPresent("dev.ratelimit.redis.RedisConnection", loader)) {
            throw new InvalidRateLimitConfigurationException(
                    "ratelimit.redis.url",
                    "Redis is configured, but ratelimit-redis is not on the class path: add the dependency dev.ratelimit:ratelimit-redis");
        }
        if (properties.getUpstash().getUrl() != null
                && !ClassUtils.isPresent("dev.ratelimit.upstash.UpstashConnection", loader)) {
            throw new InvalidRateLimitConfigurationException(
                    "ratelimit.upstash.url",
                    "Upstash is configured, but ratelimit-upstash is not on the class path: add the dependency "
                            + "dev.ratelimit:ratelimit-upstash");
        }
    }
}
