/**
 * Real servers for tests: {@code redis-server} processes, Clusters and TLS nodes started on free
 * ports ({@link dev.ratelimit.testkit.redis.RedisExtension}, {@link dev.ratelimit.testkit.redis.RedisServer},
 * {@link dev.ratelimit.testkit.redis.RedisCluster}) and an
 * {@link dev.ratelimit.testkit.redis.UpstashCompatibleServer} in front of a real Redis.
 *
 * <p>For tests of backend modules and of applications that want a Redis they can kill, pause and
 * restart.
 */
@NullMarked
package dev.ratelimit.testkit.redis;

import org.jspecify.annotations.NullMarked;
