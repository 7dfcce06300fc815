package dev.ratelimit.spring;

import dev.ratelimit.Decision;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.http.QuotaHeaders;
import dev.ratelimit.http.RequestLimits;
import dev.ratelimit.http.TooManyRequests;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.security.Principal;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.HandlerMapping;

/** Applies {@link RateLimited} to Spring MVC handler methods, before they run. */
final class RateLimitedInterceptor implements HandlerInterceptor {

    private final RateLimiters limiters;
    private final RequestLimits limits;
    private final QuotaHeaders headers;
    private final KeyExpressions expressions;

    RateLimitedInterceptor(
            RateLimiters limiters, RequestLimits limits, QuotaHeaders headers, KeyExpressions expressions) {
        this.limiters = limiters;
        this.limits = limits;
        this.headers = headers;
        this.expressions = expressions;
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler)
            throws IOException {
        if (!(handler instanceof HandlerMethod method)) {
            return true;
        }
        RateLimited annotation = expressions.annotation(method.getMethod(), method.getBeanType());
        if (annotation == null) {
            return true;
        }
        String address = limits.clientAddress(request.getRemoteAddr(), name -> lines(request, name));
        if (address == null) {
            return true;
        }
        Principal user = request.getUserPrincipal();
        String key = expressions.key(
                annotation,
                address,
                user == null ? null : user.getName(),
                request::getHeader,
                pathVariables(request),
                request);
        RateLimiter limiter = limiters.get(annotation.policy());
        Decision decision = limiter.tryAcquire(key, annotation.permits());
        headers.write(limiter.policy(), decision, response::setHeader);
        if (decision.allowed()) {
            return true;
        }
        if (limits.dryRun()) {
            limits.dryRunDenied(annotation, key);
            return true;
        }
        response.setStatus(TooManyRequests.STATUS);
        response.setHeader("Retry-After", Long.toString(TooManyRequests.retryAfterSeconds(decision)));
        response.setContentType(TooManyRequests.CONTENT_TYPE);
        response.setCharacterEncoding("UTF-8");
        byte[] body = TooManyRequests.body(decision, limits.problemType());
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
        return false;
    }

    private static List<String> lines(HttpServletRequest request, String name) {
        Enumeration<String> lines = request.getHeaders(name);
        return lines == null ? List.of() : Collections.list(lines);
    }

    private static Map<String, String> pathVariables(HttpServletRequest request) {
        Object variables = request.getAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE);
        Map<String, String> out = new LinkedHashMap<>();
        if (variables instanceof Map<?, ?> map) {
            map.forEach((name, value) -> out.put(String.valueOf(name), String.valueOf(value)));
        }
        return out;
    }
}
