/**
 * The Spring Boot starter: auto-configuration of {@link dev.ratelimit.spring.RateLimiters} and an
 * email store from {@link dev.ratelimit.spring.RateLimitProperties}, path rules for the servlet
 * filter and for {@link dev.ratelimit.spring.RateLimitWebFilter} (WebFlux),
 * {@link dev.ratelimit.spring.RateLimited} on controller methods, an Actuator health indicator per
 * backend and Micrometer metrics.
 *
 * <p>For Spring Boot applications; add the dependency and configure {@code ratelimit.*}.
 */
@NullMarked
package dev.ratelimit.spring;

import org.jspecify.annotations.NullMarked;
