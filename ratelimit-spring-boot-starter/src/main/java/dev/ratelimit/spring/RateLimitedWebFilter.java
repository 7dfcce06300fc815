package dev.ratelimit.spring;

import dev.ratelimit.RateLimiter;
import dev.ratelimit.http.QuotaHeaders;
import dev.ratelimit.http.RequestLimits;
import java.security.Principal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.core.Ordered;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.result.method.annotation.RequestMappingHandlerMapping;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Applies {@link RateLimited} to WebFlux handler methods: WebFlux has no interceptors, so this
 * filter asks the handler mapping which method will handle the request, before it runs.
 */
final class RateLimitedWebFilter implements WebFilter, Ordered {

    private final RequestMappingHandlerMapping mapping;
    private final RateLimiters limiters;
    private final RequestLimits limits;
    private final QuotaHeaders headers;
    private final KeyExpressions expressions;
    private final int order;

    RateLimitedWebFilter(
            RequestMappingHandlerMapping mapping,
            RateLimiters limiters,
            RequestLimits limits,
            QuotaHeaders headers,
            KeyExpressions expressions,
            int order) {
        this.mapping = mapping;
        this.limiters = limiters;
        this.limits = limits;
        this.headers = headers;
        this.expressions = expressions;
        this.order = order;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        return mapping.getHandler(exchange)
                .ofType(HandlerMethod.class)
                .mapNotNull(method -> expressions.annotation(method.getMethod(), method.getBeanType()))
                .map(Optional::of)
                .defaultIfEmpty(Optional.empty())
                .flatMap(annotation ->
                        annotation.isPresent() ? limit(exchange, chain, annotation.get()) : chain.filter(exchange));
    }

    private Mono<Void> limit(ServerWebExchange exchange, WebFilterChain chain, RateLimited annotation) {
        ServerHttpRequest request = exchange.getRequest();
        String address = limits.clientAddress(RateLimitWebFilter.peer(request), RateLimitWebFilter.lines(request));
        if (address == null) {
            return chain.filter(exchange);
        }
        return exchange.getPrincipal()
                .map(Principal::getName)
                .defaultIfEmpty("")
                .flatMap(user -> {
                    String key = expressions.key(
                            annotation,
                            address,
                            user.isEmpty() ? null : user,
                            name -> request.getHeaders().getFirst(name),
                            pathVariables(exchange),
                            request);
                    exchange.getAttributes().put(RateLimitWebFilter.KEY_ATTRIBUTE, key);
                    RateLimiter limiter = limiters.get(annotation.policy());
                    return Mono.fromCompletionStage(limiter.tryAcquireAsync(key, annotation.permits()))
                            .flatMap(decision -> {
                                Mono<Void> denied = RateLimitWebFilter.respond(
                                        exchange, limits, headers, limiter.policy(), decision, annotation, key);
                                return denied != null ? denied : chain.filter(exchange);
                            });
                });
    }

    private static Map<String, String> pathVariables(ServerWebExchange exchange) {
        Object variables = exchange.getAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE);
        Map<String, String> out = new LinkedHashMap<>();
        if (variables instanceof Map<?, ?> map) {
            map.forEach((name, value) -> out.put(String.valueOf(name), String.valueOf(value)));
        }
        return out;
    }

    @Override
    public int getOrder() {
        return order;
    }
}
