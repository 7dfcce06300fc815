/**
 * The parts of an HTTP rate-limit filter that do not depend on the web stack, shared by the
 * jakarta servlet filter ({@code ratelimit-servlet}) and the WebFlux filter of the Spring Boot
 * starter: {@link dev.ratelimit.http.RequestLimits} (rules matched to limiters, the client's address
 * behind trusted proxies, dry run), {@link dev.ratelimit.http.QuotaHeaders} and
 * {@link dev.ratelimit.http.TooManyRequests}.
 *
 * <p>For authors of filters for other web stacks; applications use a filter.
 */
@NullMarked
package dev.ratelimit.http;

import org.jspecify.annotations.NullMarked;
