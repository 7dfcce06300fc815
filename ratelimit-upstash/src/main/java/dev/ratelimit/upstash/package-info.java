/**
 * Upstash's REST API on {@code java.net.http}: an {@link dev.ratelimit.upstash.UpstashConfig}
 * (from {@code UPSTASH_REDIS_REST_URL} and {@code UPSTASH_REDIS_REST_TOKEN}, or a builder) and an
 * {@link dev.ratelimit.upstash.UpstashConnection} that batches concurrent calls, shared by the
 * rate-limit backend and the email store of that database; failures are
 * {@link dev.ratelimit.upstash.UpstashException}s.
 *
 * <p>For application code.
 */
@NullMarked
package dev.ratelimit.upstash;

import org.jspecify.annotations.NullMarked;
