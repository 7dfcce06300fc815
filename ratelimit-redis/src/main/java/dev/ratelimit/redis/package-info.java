/**
 * Redis on Lettuce: a {@link dev.ratelimit.redis.RedisConfig} (from {@code REDIS_URL} or a builder)
 * describes a standalone server, a Sentinel set or a Cluster, with TLS and credentials; a
 * {@link dev.ratelimit.redis.RedisConnection} is one fail-fast connection to it, shared by the
 * rate-limit backend and the email store of that server.
 *
 * <p>For application code.
 */
@NullMarked
package dev.ratelimit.redis;

import org.jspecify.annotations.NullMarked;
