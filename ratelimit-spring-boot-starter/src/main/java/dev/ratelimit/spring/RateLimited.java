package dev.ratelimit.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Limits a controller method (or every handler method of a controller) under a named policy, as a
 * path rule would: the same client address behind the trusted proxies, the same quota headers, and
 * when denied the same {@code 429} with {@code Retry-After} and an {@code application/problem+json}
 * body. Works on Spring MVC and WebFlux controllers.
 *
 * <pre>{@code
 * @RateLimited(policy = "generate")                                 // per client address
 * @PostMapping("/api/generate") ...
 *
 * @RateLimited(policy = "search", key = "#headers['X-Api-Key']")     // per API key, else address
 * @RateLimited(policy = "orders", key = "#principal")                // per user, else address
 * @RateLimited(policy = "threads", key = "#id")                      // per path variable {id}
 * }</pre>
 *
 * <p>The policy is one of {@code ratelimit.policies}, a rule's own, or a {@code RateLimiter}
 * bean's; an unknown name stops start-up. The key is a SpEL expression evaluated, before the
 * method runs, with these variables: {@code #ip} (the client's address), {@code #principal} (the
 * authenticated user's name, or null), {@code #headers} (the request's headers by name, first
 * value), {@code #pathVariables} (and each path variable by its name) and {@code #request} (the
 * {@code HttpServletRequest}, or WebFlux's {@code ServerHttpRequest}). A key that is null or blank
 * falls back to the client's address.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface RateLimited {

    /**
     * {@return the name of the policy that decides} One of {@code ratelimit.policies}, a rule's
     * own, or a {@code RateLimiter} bean's.
     */
    String policy();

    /**
     * {@return a SpEL expression for the key a request counts against; empty for the client's
     * address} An expression that gives null or blank falls back to the address too.
     */
    String key() default "";

    /** {@return the permits a request takes (default 1)} */
    long permits() default 1;
}
