package dev.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Lease mode on the in-memory backend with a test clock: several limiters sharing one backend stand
 * for several instances sharing Redis. Every admission is checked against the policy on the stream
 * of admissions as they happened (not as they were reserved), and every denial a reservation
 * returns against the shared state at that instant.
 */
class LeaseModeTest {

    private final TestClock clock = new TestClock();

    static Stream<Arguments> policies() {
        return Stream.of(
                Arguments.of(Policy.of("fixed", Limit.perMinute(100))),
                Arguments.of(Policy.of("sliding", Limit.perMinute(100).slidingWindow())),
                Arguments.of(Policy.of(
                        "bucket",
                        Limit.of(100, Duration.ofMinutes(1)).tokenBucket().burst(20))),
                Arguments.of(Policy.of(
                        "both",
                        Limit.of(60, Duration.ofSeconds(30)),
                        Limit.of(200, Duration.ofMinutes(1)).tokenBucket().burst(10),
                        Limit.perMinute(150).slidingWindow())));
    }

    /** One admitted request: when, and how many permits. */
    private record Admission(long at, long permits) {}

    @ParameterizedTest
    @MethodSource("policies")
    void threeInstancesLeasingFromOneBackend_neverAdmitMoreThanThePolicy_andDenyExactly(Policy policy) {
        RateLimitBackend shared = RateLimitBackend.inMemory(clock, 1000);
        List<RateLimiter> instances = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            instances.add(RateLimiter.builder()
                    .policy(policy)
                    .backend(shared)
                    .clock(clock)
                    .leases(1 + 10 * i, Duration.ofSeconds(2 + i))
                    .build());
        }
        Random random = new Random(policy.hashCode());
        List<Admission> admitted = new ArrayList<>();
        Map<Decision.Source, Integer> sources = new HashMap<>();
        int deniedByBackend = 0;
        for (int step = 0; step < 20_000; step++) {
            // Bursts of traffic at one instant, quiet gaps, and everything in between.
            int gap = random.nextInt(10);
            clock.advance(Duration.ofMillis(gap < 6 ? 0 : gap < 9 ? random.nextInt(200) : random.nextInt(5_000)));
            RateLimiter instance = instances.get(random.nextInt(3));
            long permits = random.nextInt(10) == 0 ? 1 + random.nextInt(3) : 1;
            Decision d = instance.tryAcquire("k", permits);
            sources.merge(d.source(), 1, Integer::sum);
            if (d.allowed()) {
                admitted.add(new Admission(clock.nowMicros(), permits));
            } else if (d.source() == Decision.Source.BACKEND) {
                deniedByBackend++;
                assertThat(d)
                        .as("a denial is the shared state's, exactly (retryAfter included)")
                        .isEqualTo(shared.peek("k", policy, permits)
                                .toCompletableFuture()
                                .join());
            }
        }
        for (int j = 0; j < policy.limits().size(); j++) {
            assertConforms(policy.limits().get(j), admitted);
        }
        assertThat(sources.getOrDefault(Decision.Source.LEASE, 0))
                .as("decisions spent from slices")
                .isPositive();
        assertThat(deniedByBackend).as("denials by a reservation").isPositive();
        assertThat(sources.keySet())
                .allMatch(s -> s == Decision.Source.LEASE
                        || s == Decision.Source.BACKEND
                        || s == Decision.Source.LOCAL_BLOCK_CACHE);
    }

    /** Checks the admissions, in the order they happened, against one limit. */
    private static void assertConforms(Limit limit, List<Admission> admitted) {
        long w = limit.windowMicros();
        long q = limit.permits();
        switch (limit.algorithm()) {
            case FIXED_WINDOW -> {
                Map<Long, Long> perWindow = new HashMap<>();
                for (Admission a : admitted) {
                    long c = perWindow.merge(a.at / w, a.permits, Long::sum);
                    assertThat(c)
                            .as("admitted in window %d of %s", a.at / w, limit)
                            .isLessThanOrEqualTo(q);
                }
            }
            case SLIDING_WINDOW -> {
                // Every admission, had it been decided alone on the stream as it happened, is allowed.
                Map<Long, Long> perWindow = new HashMap<>();
                for (Admission a : admitted) {
                    long i = a.at / w;
                    long e = a.at - i * w;
                    long c = perWindow.merge(i, a.permits, Long::sum);
                    long p = perWindow.getOrDefault(i - 1, 0L);
                    assertThat(c + p * (w - e) / w)
                            .as("sliding estimate at %d of %s", a.at, limit)
                            .isLessThanOrEqualTo(q);
                }
            }
            case TOKEN_BUCKET -> {
                // GCRA on the admissions as they happened: each one conforms.
                long t = limit.emissionIntervalMicros();
                long bt = limit.capacity() * t;
                long tat = 0;
                for (Admission a : admitted) {
                    long next = Math.max(tat, a.at) + a.permits * t;
                    assertThat(next - a.at)
                            .as("bucket level at %d of %s", a.at, limit)
                            .isLessThanOrEqualTo(bt);
                    tat = next;
                }
            }
        }
    }

    @Test
    void sustainedDemand_admitsTheWholeLimit_mostlyFromSlices() {
        RateLimitBackend shared = RateLimitBackend.inMemory(clock, 1000);
        Policy policy = Policy.of("hot", Limit.perMinute(10_000));
        List<RateLimiter> instances = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            instances.add(RateLimiter.builder()
                    .policy(policy)
                    .backend(shared)
                    .clock(clock)
                    .leases(500, Duration.ofSeconds(1))
                    .build());
        }
        Map<Long, Integer> perWindow = new HashMap<>();
        int reserved = 0;
        // 3 windows of a minute; each instance asks 50 times per 10 ms: far above the limit.
        for (int tick = 0; tick < 18_000; tick++) {
            clock.advance(Duration.ofMillis(10));
            for (RateLimiter instance : instances) {
                for (int i = 0; i < 50; i++) {
                    Decision d = instance.tryAcquire("hot");
                    if (d.allowed()) {
                        perWindow.merge(clock.nowMicros() / 60_000_000, 1, Integer::sum);
                        reserved += d.source() == Decision.Source.BACKEND ? 1 : 0;
                    }
                }
            }
        }
        assertThat(perWindow.values()).hasSizeGreaterThanOrEqualTo(3).allMatch(n -> n <= 10_000);
        assertThat(perWindow.values().stream().mapToInt(Integer::intValue).sum())
                .as("admitted in three windows")
                .isGreaterThanOrEqualTo(3 * 9_500);
        assertThat(reserved).as("reservations").isLessThan(3 * 10_000 / 20);
    }

    @Test
    void aQuietKey_reservesOnePermitAtATime_aHotKey_growsToTheLargestSlice() {
        Policy policy = Policy.of("adapt", Limit.perMinute(1_000_000));
        RateLimiter limiter = RateLimiter.builder()
                .policy(policy)
                .clock(clock)
                .leases(100, Duration.ofSeconds(1))
                .build();
        for (int i = 0; i < 20; i++) {
            clock.advance(Duration.ofSeconds(10));
            Decision d = limiter.tryAcquire("quiet");
            assertThat(d.source()).isEqualTo(Decision.Source.BACKEND);
            assertThat(d.remaining())
                    .as("nothing left in the slice")
                    .isEqualTo(limiter.peek("quiet", 0).remaining());
        }
        int reservations = 0;
        for (int i = 0; i < 10_000; i++) {
            clock.advance(Duration.ofNanos(1_000));
            reservations += limiter.tryAcquire("hot").source() == Decision.Source.BACKEND ? 1 : 0;
        }
        assertThat(reservations).isBetween(10_000 / 100, 10_000 / 100 + 10);
    }

    /** A leasing backend whose reservations the test answers. */
    private static final class Manual implements RateLimitBackend, Leasing {
        final List<CompletableFuture<Grant>> reservations = new CopyOnWriteArrayList<>();
        final InMemoryBackend memory;

        Manual(Clock clock) {
            this.memory = new InMemoryBackend(clock, 100);
        }

        @Override
        public CompletionStage<Grant> reserve(String key, Policy policy, long permits, long want) {
            CompletableFuture<Grant> call = new CompletableFuture<>();
            reservations.add(call);
            return call;
        }

        @Override
        public CompletionStage<Decision> evaluate(String key, Policy policy, long permits) {
            return memory.evaluate(key, policy, permits);
        }

        @Override
        public CompletionStage<Decision> peek(String key, Policy policy, long permits) {
            return memory.peek(key, policy, permits);
        }

        @Override
        public CompletionStage<Void> reset(String key, Policy policy) {
            return memory.reset(key, policy);
        }

        @Override
        public String name() {
            return "manual";
        }

        @Override
        public Duration deadline() {
            return Duration.ofSeconds(30);
        }
    }

    @Test
    void concurrentCallersOfOneKey_shareOneReservation() {
        Policy policy = Policy.of("herd", Limit.perMinute(1000));
        Manual backend = new Manual(clock);
        RateLimiter limiter = RateLimiter.builder()
                .policy(policy)
                .backend(backend)
                .clock(clock)
                .leases(100, Duration.ofSeconds(1))
                .build();
        List<CompletableFuture<Decision>> calls = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            calls.add(limiter.tryAcquireAsync("k").toCompletableFuture());
        }
        assertThat(backend.reservations).as("reservations in flight").hasSize(1);
        long[] state = new long[Algorithms.SLOTS + 1];
        backend.reservations.get(0).complete(Leasing.Grant.compute(policy, state, clock.nowMicros(), 1, 32));
        assertThat(calls).allMatch(c -> c.isDone() && c.join().allowed());
        assertThat(calls.stream().filter(c -> c.join().source() == Decision.Source.LEASE))
                .hasSize(31);
        assertThat(backend.reservations).hasSize(1);
        assertThat(limiter.tryAcquireAsync("k").toCompletableFuture()).isNotDone();
        assertThat(backend.reservations).hasSize(2);
    }

    @Test
    void aReservationThatFails_goesToTheFallback_thenTheFailurePolicy() {
        Policy policy = Policy.of("fails", Limit.perMinute(1000));
        Manual backend = new Manual(clock);
        RateLimiter limiter = RateLimiter.builder()
                .policy(policy)
                .backend(backend)
                .fallback(RateLimitBackend.inMemory(clock, 10))
                .clock(clock)
                .leases(100, Duration.ofSeconds(1))
                .build();
        CompletableFuture<Decision> first = limiter.tryAcquireAsync("k").toCompletableFuture();
        CompletableFuture<Decision> second = limiter.tryAcquireAsync("k").toCompletableFuture();
        backend.reservations.get(0).completeExceptionally(new IllegalStateException("down"));
        assertThat(first.join().source()).isEqualTo(Decision.Source.FALLBACK);
        assertThat(second.join().source()).isEqualTo(Decision.Source.FALLBACK);

        RateLimiter alone = RateLimiter.builder()
                .policy(policy)
                .backend(backend)
                .clock(clock)
                .failurePolicy(FailurePolicy.FAIL_CLOSED)
                .leases(100, Duration.ofSeconds(1))
                .build();
        CompletableFuture<Decision> third = alone.tryAcquireAsync("k").toCompletableFuture();
        backend.reservations.get(1).completeExceptionally(new IllegalStateException("down"));
        assertThat(third.join().source()).isEqualTo(Decision.Source.FAIL_CLOSED);
    }

    @Test
    void aSliceEndsWithItsWindow_andItsUnspentPermitsAreNotCarriedOver() {
        Policy policy = Policy.of("edge", Limit.perMinute(100));
        RateLimiter limiter = RateLimiter.builder()
                .policy(policy)
                .clock(clock)
                .leases(50, Duration.ofHours(1))
                .build();
        clock.advance(Duration.ofSeconds(59));
        for (int i = 0; i < 3; i++) {
            limiter.tryAcquire("k"); // grows the slice
        }
        Decision local = limiter.tryAcquire("k");
        assertThat(local.source()).isEqualTo(Decision.Source.LEASE);
        clock.advance(Duration.ofSeconds(1)); // the next window: the slice is over
        Decision next = limiter.tryAcquire("k");
        assertThat(next.source()).isEqualTo(Decision.Source.BACKEND);
        assertThat(next.remaining()).isEqualTo(99);
    }

    @Test
    void pastTheCapOnKeysWithASlice_aNewKeyIsDecidedByTheBackend() {
        Policy policy = Policy.of("many", Limit.perMinute(100));
        RateLimitBackend shared = RateLimitBackend.inMemory(clock, LeasingBackend.MAX_KEYS + 10);
        RateLimiter limiter = RateLimiter.builder()
                .policy(policy)
                .backend(shared)
                .clock(clock)
                .leases(10, Duration.ofSeconds(1))
                .build();
        for (int i = 0; i < LeasingBackend.MAX_KEYS; i++) {
            assertThat(limiter.tryAcquire("k" + i).source()).isEqualTo(Decision.Source.BACKEND);
        }
        for (int i = 0; i < 5; i++) {
            Decision d = limiter.tryAcquire("new");
            assertThat(d.source()).isEqualTo(Decision.Source.BACKEND);
            assertThat(d.remaining()).isEqualTo(99 - i);
        }
    }

    @Test
    void leases_needABackendThatCanReserve_andSaneBounds() {
        Policy policy = Policy.of("p", Limit.perMinute(10));
        RateLimitBackend plain = new RateLimitBackend() {
            @Override
            public CompletionStage<Decision> evaluate(String key, Policy p, long permits) {
                throw new UnsupportedOperationException();
            }

            @Override
            public CompletionStage<Decision> peek(String key, Policy p, long permits) {
                throw new UnsupportedOperationException();
            }

            @Override
            public CompletionStage<Void> reset(String key, Policy p) {
                throw new UnsupportedOperationException();
            }

            @Override
            public String name() {
                return "plain";
            }
        };
        assertThatThrownBy(() -> RateLimiter.builder()
                        .policy(policy)
                        .backend(plain)
                        .leases(10, Duration.ofSeconds(1))
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("plain cannot");
        assertThatThrownBy(() -> RateLimiter.builder().leases(0, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RateLimiter.builder().leases(1, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
