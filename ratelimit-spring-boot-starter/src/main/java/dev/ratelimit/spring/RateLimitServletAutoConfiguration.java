package dev.ratelimit.spring;

import dev.ratelimit.http.QuotaHeaders;
import dev.ratelimit.http.RequestLimits;
import dev.ratelimit.servlet.KeyResolver;
import dev.ratelimit.servlet.RateLimitFilter;
import dev.ratelimit.servlet.RateLimitHeaders;
import jakarta.servlet.Filter;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * On a servlet web application: the {@link RateLimitFilter} for the path rules of
 * {@code ratelimit.rules}, and {@link RateLimited} on Spring MVC controllers.
 */
// Its conditions and beans name types of optional modules (required static), present when it runs.
@SuppressWarnings("exports")
@AutoConfiguration(after = RateLimitAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({Filter.class, RateLimitFilter.class, FilterRegistrationBean.class})
@ConditionalOnBean(RateLimiters.class)
public class RateLimitServletAutoConfiguration {

    /** Made by Spring. */
    public RateLimitServletAutoConfiguration() {}

    /**
     * The servlet filter for {@code ratelimit.rules}, on every path, at {@code ratelimit.filter-order}.
     *
     * @throws InvalidRateLimitConfigurationException naming the property that is wrong
     */
    @Bean
    @ConditionalOnMissingBean(name = "rateLimitFilter")
    @ConditionalOnProperty(prefix = "ratelimit", name = "rules[0].path")
    FilterRegistrationBean<RateLimitFilter> rateLimitFilter(RateLimitProperties properties, RateLimiters limiters) {
        RateLimitFilter.Builder b = RateLimitFilter.builder();
        // The servlet filter's builder takes the same settings as RequestLimits; building one first
        // checks them all with errors that name their properties.
        RequestLimits checked = WebSettings.withRules(WebSettings.limits(properties), properties, limiters)
                .build();
        for (var rule : checked.rules()) {
            b.rule(rule.methods().isEmpty() ? "*" : String.join(",", rule.methods()), rule.pattern(), rule.limiter());
        }
        b.trustedProxies(properties.getTrustedProxies().toArray(String[]::new))
                .forwardedHeader(RateLimitFilter.ForwardedHeader.valueOf(
                        properties.getForwardedHeader().name()))
                .exempt(properties.getExempt().toArray(String[]::new))
                .ipv6Prefix(properties.getIpv6Prefix())
                .dryRun(properties.isDryRun())
                .problemType(properties.getProblemType())
                .keyResolver(keyResolver(KeySpec.parse(properties.getKey())))
                .headers(
                        switch (properties.getHeaders()) {
                            case IETF -> RateLimitHeaders.IETF;
                            case LEGACY -> RateLimitHeaders.LEGACY;
                            case NONE -> RateLimitHeaders.NONE;
                        });
        FilterRegistrationBean<RateLimitFilter> registration = new FilterRegistrationBean<>(b.build());
        registration.setName("rateLimitFilter");
        registration.addUrlPatterns("/*");
        registration.setOrder(properties.getFilterOrder());
        return registration;
    }

    private static KeyResolver keyResolver(KeySpec key) {
        return switch (key.kind()) {
            case IP -> KeyResolver.clientIp();
            case PRINCIPAL -> KeyResolver.principal();
            case HEADER -> KeyResolver.header(String.valueOf(key.header()));
        };
    }

    /** {@link RateLimited} on Spring MVC handler methods. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(WebMvcConfigurer.class)
    public static class Mvc {

        /** Made by Spring. */
        public Mvc() {}

        /** Registers the interceptor that applies {@link RateLimited}. */
        @Bean
        WebMvcConfigurer rateLimitedInterceptor(RateLimitProperties properties, RateLimiters limiters) {
            RequestLimits limits = WebSettings.limits(properties).build();
            QuotaHeaders headers = WebSettings.headers(properties);
            RateLimitedInterceptor interceptor =
                    new RateLimitedInterceptor(limiters, limits, headers, new KeyExpressions());
            return new WebMvcConfigurer() {
                @Override
                public void addInterceptors(InterceptorRegistry registry) {
                    registry.addInterceptor(interceptor);
                }
            };
        }

        /** Checks at start-up that every {@link RateLimited} handler names a policy there is. */
        @Bean
        SmartInitializingSingleton rateLimitedCheck(
                ObjectProvider<RequestMappingHandlerMapping> mappings, RateLimiters limiters) {
            return () -> mappings.orderedStream().forEach(mapping -> {
                for (HandlerMethod method : mapping.getHandlerMethods().values()) {
                    RateLimitedChecks.check(method, limiters);
                }
            });
        }
    }
}
