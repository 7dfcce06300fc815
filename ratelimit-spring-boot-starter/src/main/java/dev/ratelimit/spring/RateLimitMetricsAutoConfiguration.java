package dev.ratelimit.spring;

import dev.ratelimit.EmailStore;
import dev.ratelimit.RateLimitListener;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.micrometer.RateLimitMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * With Micrometer and {@code ratelimit-micrometer} on the class path and a {@link MeterRegistry}
 * bean: {@link RateLimitMetrics} for every limiter the starter builds and for the email store
 * ({@code /actuator/metrics/ratelimit.decisions}, by policy, outcome and source). A
 * {@code RateLimiter} bean of the application's gets the gauges; to have its decisions counted,
 * build it with {@code .listener(rateLimitMetrics.listener())}.
 */
// Its conditions and beans name types of optional modules (required static), present when it runs.
@SuppressWarnings("exports")
@AutoConfiguration(
        before = RateLimitAutoConfiguration.class,
        afterName = {
            "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
            "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
            "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration"
        })
@ConditionalOnClass({MeterRegistry.class, RateLimitMetrics.class})
@ConditionalOnBean(MeterRegistry.class)
@ConditionalOnProperty(prefix = "ratelimit", name = "enabled", matchIfMissing = true)
public class RateLimitMetricsAutoConfiguration {

    /** Made by Spring. */
    public RateLimitMetricsAutoConfiguration() {}

    /** The metrics, in the application's registry. */
    @Bean
    @ConditionalOnMissingBean
    RateLimitMetrics rateLimitMetrics(MeterRegistry registry) {
        return RateLimitMetrics.of(registry);
    }

    /** Records the decisions of every limiter the starter builds. */
    @Bean
    RateLimitListener rateLimitMetricsListener(RateLimitMetrics metrics) {
        return metrics.listener();
    }

    /** Registers the gauges of every limiter and meters the email store. */
    @Bean
    RateLimitInstrumentation rateLimitMetricsInstrumentation(RateLimitMetrics metrics) {
        return new RateLimitInstrumentation() {
            @Override
            public void bind(RateLimiter limiter) {
                metrics.bind(limiter);
            }

            @Override
            public EmailStore bind(EmailStore store) {
                return metrics.meter(store);
            }
        };
    }
}
