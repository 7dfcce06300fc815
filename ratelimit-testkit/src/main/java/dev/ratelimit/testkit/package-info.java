/**
 * Test tools for backend authors and applications: the contract suites every rate-limit backend
 * and email store must pass ({@link dev.ratelimit.testkit.RateLimitBackendContract},
 * {@link dev.ratelimit.testkit.EmailStoreContract}), which compare every answer with an independent
 * model of the algorithms, and drills for concurrency and faults
 * ({@link dev.ratelimit.testkit.AdmissionRace}, {@link dev.ratelimit.testkit.LeaseRace},
 * {@link dev.ratelimit.testkit.FaultDrill},
 * {@link dev.ratelimit.testkit.CpuHog}).
 *
 * <p>Real servers to run them against live in {@code ratelimit-testkit-redis}.
 */
@NullMarked
package dev.ratelimit.testkit;

import org.jspecify.annotations.NullMarked;
