/**
 * {@link dev.ratelimit.micrometer.RateLimitMetrics}: Micrometer meters for rate limiters and email
 * stores, fed by a {@link dev.ratelimit.RateLimitListener} and by gauges that read the limiters'
 * and stores' state. For application code, with or without Spring.
 */
@NullMarked
package dev.ratelimit.micrometer;

import org.jspecify.annotations.NullMarked;
