package dev.ratelimit.spring;

import dev.ratelimit.RateLimiter;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * An Actuator health indicator per backend the limiters use, under {@code ratelimit}
 * ({@code /actuator/health/ratelimit/redis}): DOWN while its circuit breaker is open, UP with
 * {@code "degraded": true} while decisions fall back from it, UP otherwise. Turn it off with
 * {@code management.health.ratelimit.enabled=false}, or leave it out of a readiness group: while
 * Redis is down the limiters still answer, from the fallback or the failure policy.
 */
// Its conditions and beans name types of optional modules (required static), present when it runs.
@SuppressWarnings("exports")
@AutoConfiguration(after = RateLimitAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnEnabledHealthIndicator("ratelimit")
@ConditionalOnProperty(prefix = "ratelimit", name = "enabled", matchIfMissing = true)
public class RateLimitHealthAutoConfiguration {

    /** Made by Spring. */
    public RateLimitHealthAutoConfiguration() {}

    /** Hears the limiters' backend failures, for the degraded state. */
    @Bean
    @ConditionalOnMissingBean
    BackendFailures rateLimitBackendFailures() {
        return new BackendFailures();
    }

    /** One indicator per backend, named after it: {@code redis}, {@code upstash}, {@code memory}. */
    @Bean
    @ConditionalOnBean(RateLimiters.class)
    @ConditionalOnMissingBean(name = "ratelimitHealthContributor")
    HealthContributor ratelimitHealthContributor(RateLimiters limiters, BackendFailures failures) {
        Map<String, HealthIndicator> backends = new LinkedHashMap<>();
        for (RateLimiter limiter : limiters.all().values()) {
            for (String breaker : limiter.breakerStates().keySet()) {
                String backend = BackendHealth.backendOf(breaker);
                backends.computeIfAbsent(backend, name -> new BackendHealth(name, limiters, failures));
            }
        }
        return CompositeHealthContributor.fromMap(backends);
    }
}
