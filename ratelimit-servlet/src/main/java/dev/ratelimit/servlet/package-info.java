/**
 * A jakarta servlet {@link dev.ratelimit.servlet.RateLimitFilter}: rules that match requests to
 * limiters, the client's address behind trusted proxies, keys by
 * {@link dev.ratelimit.servlet.KeyResolver}, {@code 429} with {@code Retry-After} and
 * {@code application/problem+json}, and quota headers written by
 * {@link dev.ratelimit.servlet.RateLimitHeaders}.
 *
 * <p>For application code, configured in code or in {@code web.xml}.
 */
@NullMarked
package dev.ratelimit.servlet;

import org.jspecify.annotations.NullMarked;
