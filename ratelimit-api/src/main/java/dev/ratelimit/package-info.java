/**
 * Rate limiting for applications: {@link dev.ratelimit.RateLimiter} decides whether a caller may do
 * something now under a {@link dev.ratelimit.Policy} of {@link dev.ratelimit.Limit}s, answering
 * with a {@link dev.ratelimit.Decision}; {@link dev.ratelimit.EmailStore} keeps the email addresses
 * a page captures. A {@link dev.ratelimit.RateLimitBackend} holds the state — in this JVM's memory,
 * or on any Redis-compatible server through the scripted backend that the Redis and Upstash modules
 * connect. Tests use a {@link dev.ratelimit.TestClock}.
 *
 * <p>For application code. Everything not public here is the implementation.
 */
@NullMarked
package dev.ratelimit;

import org.jspecify.annotations.NullMarked;
