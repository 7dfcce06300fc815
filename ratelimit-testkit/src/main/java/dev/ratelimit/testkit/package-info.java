/**
 * Test tools: the contract suites every rate-limit backend and email store must pass
 * ({@link dev.ratelimit.testkit.RateLimitBackendContract}, {@link dev.ratelimit.testkit.EmailStoreContract}),
 * real {@code redis-server} processes, Clusters and TLS nodes started on free ports
 * ({@link dev.ratelimit.testkit.RedisExtension}, {@link dev.ratelimit.testkit.RedisServer},
 * {@link dev.ratelimit.testkit.RedisCluster}), an {@link dev.ratelimit.testkit.UpstashCompatibleServer}
 * in front of a real Redis, and drills for concurrency and faults.
 *
 * <p>For tests of backend modules and of applications.
 */
@NullMarked
package dev.ratelimit.testkit;

import org.jspecify.annotations.NullMarked;
