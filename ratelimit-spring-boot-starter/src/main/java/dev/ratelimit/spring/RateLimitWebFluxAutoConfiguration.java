package dev.ratelimit.spring;

import dev.ratelimit.http.RequestLimits;
import dev.ratelimit.http.RequestRule;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.reactive.result.method.annotation.RequestMappingHandlerMapping;
import org.springframework.web.server.WebFilter;
import reactor.core.publisher.Mono;

/**
 * On a reactive web application: the {@link RateLimitWebFilter} for the path rules of
 * {@code ratelimit.rules}, and {@link RateLimited} on WebFlux controllers.
 */
@AutoConfiguration(
        after = RateLimitAutoConfiguration.class,
        afterName = "org.springframework.boot.webflux.autoconfigure.WebFluxAutoConfiguration")
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass({WebFilter.class, Mono.class})
@ConditionalOnBean(RateLimiters.class)
public class RateLimitWebFluxAutoConfiguration {

    /** Made by Spring. */
    public RateLimitWebFluxAutoConfiguration() {}

    /**
     * The web filter for {@code ratelimit.rules}, at {@code ratelimit.filter-order}.
     *
     * @throws InvalidRateLimitConfigurationException naming the property that is wrong
     */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "ratelimit", name = "rules[0].path")
    RateLimitWebFilter rateLimitWebFilter(RateLimitProperties properties, RateLimiters limiters) {
        RequestLimits checked = WebSettings.withRules(WebSettings.limits(properties), properties, limiters)
                .build();
        RateLimitWebFilter.Builder b = RateLimitWebFilter.builder();
        for (RequestRule rule : checked.rules()) {
            b.rule(rule.methods().isEmpty() ? "*" : String.join(",", rule.methods()), rule.pattern(), rule.limiter());
        }
        KeySpec key = KeySpec.parse(properties.getKey());
        return b.trustedProxies(properties.getTrustedProxies().toArray(String[]::new))
                .forwardedHeader(properties.getForwardedHeader())
                .exempt(properties.getExempt().toArray(String[]::new))
                .ipv6Prefix(properties.getIpv6Prefix())
                .dryRun(properties.isDryRun())
                .problemType(properties.getProblemType())
                .headers(WebSettings.headers(properties))
                .order(properties.getFilterOrder())
                .keyResolver(
                        switch (key.kind()) {
                            case IP -> RateLimitWebFilter.KeyResolver.clientIp();
                            case PRINCIPAL -> RateLimitWebFilter.KeyResolver.principal();
                            case HEADER -> RateLimitWebFilter.KeyResolver.header(String.valueOf(key.header()));
                        })
                .build();
    }

    /** Applies {@link RateLimited} to the handler methods of the annotated-controller mapping. */
    @Bean
    @ConditionalOnBean(name = "requestMappingHandlerMapping")
    WebFilter rateLimitedWebFilter(
            RateLimitProperties properties,
            RateLimiters limiters,
            @Qualifier("requestMappingHandlerMapping") RequestMappingHandlerMapping mapping) {
        return new RateLimitedWebFilter(
                mapping,
                limiters,
                WebSettings.limits(properties).build(),
                WebSettings.headers(properties),
                new KeyExpressions(),
                properties.getFilterOrder());
    }

    /** Checks at start-up that every {@link RateLimited} handler names a policy there is. */
    @Bean
    SmartInitializingSingleton rateLimitedWebFluxCheck(
            ObjectProvider<RequestMappingHandlerMapping> mappings, RateLimiters limiters) {
        return () -> mappings.orderedStream().forEach(mapping -> {
            for (HandlerMethod method : mapping.getHandlerMethods().values()) {
                RateLimitedChecks.check(method, limiters);
            }
        });
    }
}
