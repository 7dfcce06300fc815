package dev.ratelimit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.Clock;
import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.Limit.Algorithm;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimitBackend;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The contract every {@link RateLimitBackend} meets, decision by decision (the algorithms of the
 * project's docs/ALGORITHMS.md). Extend it, implement {@link #createBackend(Clock)}, and the whole suite runs
 * against your backend: exact admission, check-before-consume, exact {@code retryAfter} and
 * {@code resetAfter}, window boundaries, multi-limit atomicity, peek, reset, key isolation, and
 * randomized traces compared with an independent reference model.
 *
 * <p>Every test reads time from a {@link TestClock} that it advances; nothing sleeps. Keys are
 * unique per test, so a backend with shared state (a Redis server) needs no cleaning between tests.
 */
public abstract class RateLimitBackendContract {

    /** The clock the backend under test must read. */
    protected TestClock clock;
    /** The backend under test. */
    protected RateLimitBackend backend;

    private String run;

    /**
     * Creates the backend under test, reading the current time from {@code clock}. It is closed
     * after each test.
     *
     * @param clock the test's clock, which the tests advance; the backend must read time from it
     * @return a new backend; state shared with other backends is fine, since keys are unique per
     *     test
     */
    protected abstract RateLimitBackend createBackend(Clock clock);

    @BeforeEach
    void createBackendOnTestClock() {
        // Start at an arbitrary instant inside a window, not on a boundary.
        clock = new TestClock(Instant.parse("2026-03-01T10:17:23.123456Z"));
        backend = createBackend(clock);
        run = UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterEach
    void closeBackend() {
        if (backend != null) {
            backend.close();
        }
    }

    /**
     * A key unique to this test run.
     *
     * @param name the key's name within the test
     * @return {@code name} prefixed with {@code contract-} and a tag of this run
     */
    protected String key(String name) {
        return "contract-" + run + "-" + name;
    }

    /**
     * Evaluates synchronously, failing the test if the backend takes longer than 10 s.
     *
     * @param key the key, from {@link #key}
     * @param policy the policy to decide under
     * @param permits the permits to take
     * @return the backend's decision
     * @throws AssertionError if the backend fails, takes longer than 10 s, or the thread is
     *     interrupted
     */
    protected Decision acquire(String key, Policy policy, long permits) {
        try {
            return backend.evaluate(key, policy, permits).toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("backend failed: " + e, e);
        }
    }

    /**
     * Peeks synchronously, failing the test if the backend takes longer than 10 s.
     *
     * @param key the key, from {@link #key}
     * @param policy the policy to decide under
     * @param permits the permits the peek asks about; none are taken
     * @return the decision the backend would make now
     * @throws AssertionError if the backend fails, takes longer than 10 s, or the thread is
     *     interrupted
     */
    protected Decision peek(String key, Policy policy, long permits) {
        try {
            return backend.peek(key, policy, permits).toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("backend failed: " + e, e);
        }
    }

    private void reset(String key, Policy policy) {
        try {
            backend.reset(key, policy).toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("reset failed: " + e, e);
        }
    }

    private static final List<Algorithm> ALGORITHMS = List.of(Algorithm.values());

    /** A seed of its own for each algorithm's traces. */
    private static int seedOf(Algorithm algorithm) {
        return ALGORITHMS.indexOf(algorithm);
    }

    static Limit limit(Algorithm algorithm, long permits, Duration window) {
        return Limit.of(permits, window).with(algorithm);
    }

    static Policy policy(Algorithm algorithm, long permits, Duration window) {
        return Policy.of(
                "p-" + algorithm.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'),
                limit(algorithm, permits, window));
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void admission_exactlyTheLimit(Algorithm algorithm) {
        Policy policy = policy(algorithm, 5, Duration.ofHours(1));
        String key = key("admit");
        for (int i = 1; i <= 5; i++) {
            Decision d = acquire(key, policy, 1);
            assertThat(d.allowed()).as("request %d", i).isTrue();
            assertThat(d.remaining()).isEqualTo(5 - i);
            assertThat(d.limit()).isEqualTo(5);
            assertThat(d.retryAfter()).isZero();
            assertThat(d.source()).isEqualTo(Decision.Source.BACKEND);
        }
        Decision sixth = acquire(key, policy, 1);
        assertThat(sixth.allowed()).isFalse();
        assertThat(sixth.remaining()).isZero();
        assertThat(sixth.retryAfter()).isPositive();
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void deniedRequest_consumesNothing(Algorithm algorithm) {
        Policy policy = policy(algorithm, 10, Duration.ofMinutes(1));
        String key = key("denied");
        assertThat(acquire(key, policy, 7).allowed()).isTrue();
        Decision before = acquire(key, policy, 0);
        for (int i = 0; i < 5; i++) {
            assertThat(acquire(key, policy, 4).allowed()).isFalse();
        }
        assertThat(acquire(key, policy, 0)).isEqualTo(before);
        Decision three = acquire(key, policy, 3);
        assertThat(three.allowed()).isTrue();
        assertThat(three.remaining()).isZero();
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void retryAfter_isExactToTheMicrosecond(Algorithm algorithm) {
        Policy policy = policy(algorithm, 3, Duration.ofSeconds(90));
        String key = key("retry");
        clock.advance(Duration.ofSeconds(40));
        acquire(key, policy, 3);
        Decision denied = acquire(key, policy, 2);
        assertThat(denied.allowed()).isFalse();
        long retry = micros(denied.retryAfter());
        assertThat(retry).isPositive();

        clock.advanceMicros(retry - 1);
        Decision stillDenied = acquire(key, policy, 2);
        assertThat(stillDenied.allowed()).as("1 µs before retryAfter").isFalse();
        assertThat(micros(stillDenied.retryAfter())).isEqualTo(1);

        clock.advanceMicros(1);
        assertThat(acquire(key, policy, 2).allowed()).as("at retryAfter").isTrue();
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void resetAfter_isWhenTheFullQuotaIsBack(Algorithm algorithm) {
        Policy policy = policy(algorithm, 4, Duration.ofSeconds(10));
        String key = key("reset-after");
        Decision fresh = acquire(key, policy, 0);
        assertThat(fresh.resetAfter()).isZero();
        assertThat(fresh.remaining()).isEqualTo(4);

        clock.advanceMicros(1_234_567);
        acquire(key, policy, 3);
        long resetAfter = micros(acquire(key, policy, 0).resetAfter());
        assertThat(resetAfter).isPositive();

        clock.advanceMicros(resetAfter - 1);
        Decision almost = acquire(key, policy, 0);
        assertThat(almost.remaining()).isLessThan(4);
        assertThat(micros(almost.resetAfter())).isEqualTo(1);
        clock.advanceMicros(1);
        Decision full = acquire(key, policy, 0);
        assertThat(full.remaining()).isEqualTo(4);
        assertThat(full.resetAfter()).isZero();
    }

    @Test
    void fixedWindow_startsAgainAtTheBoundary() {
        Policy policy = policy(Algorithm.FIXED_WINDOW, 2, Duration.ofMinutes(1));
        String key = key("fixed-boundary");
        long intoWindow = clock.nowMicros() % 60_000_000L;
        clock.advanceMicros(60_000_000L - intoWindow - 1);
        acquire(key, policy, 2);
        Decision lastMicro = acquire(key, policy, 1);
        assertThat(lastMicro.allowed()).isFalse();
        assertThat(micros(lastMicro.retryAfter())).isEqualTo(1);
        clock.advanceMicros(1);
        Decision next = acquire(key, policy, 2);
        assertThat(next.allowed()).isTrue();
        assertThat(next.remaining()).isZero();
        assertThat(next.resetAfter()).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void slidingWindow_weighsThePreviousWindow() {
        Policy policy = policy(Algorithm.SLIDING_WINDOW, 10, Duration.ofSeconds(100));
        String key = key("sliding-weight");
        long intoWindow = clock.nowMicros() % 100_000_000L;
        clock.advanceMicros(100_000_000L - intoWindow);
        assertThat(acquire(key, policy, 10).allowed()).isTrue();
        // 30 s into the next window, 70% of the previous window's 10 still counts: 7 used, 3 left.
        clock.advance(Duration.ofSeconds(130));
        Decision peek = acquire(key, policy, 0);
        assertThat(peek.remaining()).isEqualTo(3);
        assertThat(acquire(key, policy, 3).allowed()).isTrue();
        // Now c = 3 and p = 10 at e = 30 s: the estimate is 3 + floor(10 × 70 / 100) = 10.
        // One more permit needs floor(10 × (100 s − e) / 100 s) <= 6, which holds from e = 30 s + 1 µs;
        // two need it <= 5, from e = 40 s + 1 µs.
        Decision one = acquire(key, policy, 1);
        assertThat(one.allowed()).isFalse();
        assertThat(micros(one.retryAfter())).isEqualTo(1);
        Decision two = acquire(key, policy, 2);
        assertThat(two.allowed()).isFalse();
        assertThat(micros(two.retryAfter())).isEqualTo(10_000_001L);
        clock.advanceMicros(10_000_000L);
        assertThat(acquire(key, policy, 2).allowed()).isFalse();
        clock.advanceMicros(1);
        assertThat(acquire(key, policy, 2).allowed()).isTrue();
    }

    @Test
    void tokenBucket_refillsOneTokenPerInterval() {
        Policy policy = Policy.of(
                "bucket", Limit.of(10, Duration.ofSeconds(10)).tokenBucket().burst(3));
        String key = key("bucket");
        assertThat(acquire(key, policy, 3).allowed()).isTrue();
        Decision empty = acquire(key, policy, 1);
        assertThat(empty.allowed()).isFalse();
        assertThat(empty.limit()).isEqualTo(3);
        assertThat(empty.retryAfter()).isEqualTo(Duration.ofSeconds(1));
        assertThat(empty.resetAfter()).isEqualTo(Duration.ofSeconds(3));
        clock.advance(Duration.ofSeconds(1));
        Decision one = acquire(key, policy, 1);
        assertThat(one.allowed()).isTrue();
        assertThat(one.remaining()).isZero();
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void multiLimit_deniedByOneConsumesFromNone(Algorithm algorithm) {
        Policy policy = Policy.of(
                "multi", limit(algorithm, 100, Duration.ofHours(1)), limit(algorithm, 2, Duration.ofSeconds(10)));
        String key = key("multi");
        Decision first = acquire(key, policy, 2);
        assertThat(first.allowed()).isTrue();
        assertThat(first.remaining()).isZero();
        assertThat(first.limit()).isEqualTo(2);
        assertThat(first.perLimit()).extracting(Decision::remaining).containsExactly(98L, 0L);

        for (int i = 0; i < 3; i++) {
            Decision denied = acquire(key, policy, 1);
            assertThat(denied.allowed()).isFalse();
            assertThat(denied.perLimit().get(0).allowed()).isTrue();
            assertThat(denied.perLimit().get(0).retryAfter()).isZero();
            assertThat(denied.perLimit().get(1).allowed()).isFalse();
            assertThat(denied.retryAfter()).isEqualTo(denied.perLimit().get(1).retryAfter());
        }
        assertThat(acquire(key, policy, 0).perLimit().get(0).remaining())
                .as("the hourly limit lost nothing to the denied requests")
                .isEqualTo(98);
        Decision both = acquire(key, policy, 0);
        assertThat(both.resetAfter())
                .isEqualTo(java.util.Collections.max(List.of(
                        both.perLimit().get(0).resetAfter(),
                        both.perLimit().get(1).resetAfter())));
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void costAboveOne_consumesThatMany(Algorithm algorithm) {
        Policy policy = policy(algorithm, 10, Duration.ofMinutes(5));
        String key = key("cost");
        assertThat(acquire(key, policy, 4).remaining()).isEqualTo(6);
        assertThat(acquire(key, policy, 6).remaining()).isZero();
        assertThat(acquire(key, policy, 1).allowed()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void peek_consumesNothing(Algorithm algorithm) {
        Policy policy = policy(algorithm, 3, Duration.ofMinutes(1));
        String key = key("peek");
        for (int i = 0; i < 10; i++) {
            Decision peek = acquire(key, policy, 0);
            assertThat(peek.allowed()).isTrue();
            assertThat(peek.remaining()).isEqualTo(3);
        }
        acquire(key, policy, 1);
        assertThat(acquire(key, policy, 0).remaining()).isEqualTo(2);
        acquire(key, policy, 2);
        Decision exhausted = acquire(key, policy, 0);
        assertThat(exhausted.allowed())
                .as("a peek asks for nothing, so it is allowed")
                .isTrue();
        assertThat(exhausted.remaining()).isZero();
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void peek_isTheDecisionOfThatRequest_consumingNothing(Algorithm algorithm) {
        Policy policy = policy(algorithm, 4, Duration.ofMinutes(1));
        String key = key("peek-n");
        acquire(key, policy, 1);
        clock.advanceMicros(1_234);
        for (long n = 0; n <= 4; n++) {
            Decision peeked = peek(key, policy, n);
            assertThat(peek(key, policy, n)).as("a peek changes nothing").isEqualTo(peeked);
            assertThat(peeked.allowed()).as("peek %d", n).isEqualTo(n <= 3);
        }
        Decision peeked = peek(key, policy, 2);
        assertThat(acquire(key, policy, 2))
                .as("the request gets what its peek said")
                .isEqualTo(peeked);
        Decision deniedPeek = peek(key, policy, 2);
        assertThat(deniedPeek.allowed()).isFalse();
        assertThat(acquire(key, policy, 2)).isEqualTo(deniedPeek);
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void peek_onAnExhaustedKey_isDeniedUntilRetryAfter(Algorithm algorithm) {
        Policy policy = policy(algorithm, 2, Duration.ofSeconds(30));
        String key = key("peek-exhausted");
        acquire(key, policy, 2);
        Decision peeked = peek(key, policy, 1);
        assertThat(peeked.allowed()).isFalse();
        assertThat(peeked.remaining()).isZero();
        long retry = micros(peeked.retryAfter());
        assertThat(retry).isPositive();
        clock.advanceMicros(retry - 1);
        assertThat(peek(key, policy, 1).allowed()).as("1 µs before retryAfter").isFalse();
        clock.advanceMicros(1);
        assertThat(peek(key, policy, 1).allowed()).as("at retryAfter").isTrue();
        assertThat(acquire(key, policy, 1).allowed()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void permitsAboveCapacity_areAProgrammerError(Algorithm algorithm) {
        Policy policy = policy(algorithm, 5, Duration.ofMinutes(1));
        assertThatThrownBy(() -> backend.evaluate(key("cap"), policy, 6))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("6")
                .hasMessageContaining("5");
        assertThatThrownBy(() -> backend.evaluate(key("cap"), policy, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> backend.evaluate("", policy, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(acquire(key("cap"), policy, 5).allowed())
                .as("exactly the capacity is fine")
                .isTrue();
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void keys_areIsolated(Algorithm algorithm) {
        Policy policy = policy(algorithm, 2, Duration.ofMinutes(1));
        Policy other = Policy.of("other", limit(algorithm, 2, Duration.ofMinutes(1)));
        acquire(key("a"), policy, 2);
        assertThat(acquire(key("a"), policy, 1).allowed()).isFalse();
        assertThat(acquire(key("b"), policy, 2).allowed()).isTrue();
        assertThat(acquire(key("a"), other, 2).allowed())
                .as("same key, other policy")
                .isTrue();
    }

    @ParameterizedTest
    @ValueSource(ints = {257, 1000, 70_000})
    void longKeys_areDistinctAndWork(int length) {
        Policy policy = policy(Algorithm.FIXED_WINDOW, 1, Duration.ofMinutes(1));
        String base = key("long").repeat(length / 10 + 1);
        String a = base.substring(0, length - 1) + "a";
        String b = base.substring(0, length - 1) + "b";
        assertThat(acquire(a, policy, 1).allowed()).isTrue();
        assertThat(acquire(a, policy, 1).allowed()).isFalse();
        assertThat(acquire(b, policy, 1).allowed()).isTrue();
        String unicode = "é".repeat(200) + key("u");
        assertThat(acquire(unicode, policy, 1).allowed()).isTrue();
        assertThat(acquire(unicode, policy, 1).allowed()).isFalse();
    }

    @Test
    void keysWithBraces_areDistinctAndWork() {
        Policy policy = Policy.of(
                "braces",
                limit(Algorithm.FIXED_WINDOW, 1, Duration.ofMinutes(1)),
                limit(Algorithm.TOKEN_BUCKET, 5, Duration.ofMinutes(1)));
        for (String shape : List.of("}%s", "%s}", "{%s}", "a}b{%s", "{}%s", "%s{")) {
            String key = String.format(shape, key("brace"));
            assertThat(acquire(key, policy, 1).allowed()).as(key).isTrue();
            assertThat(acquire(key, policy, 1).allowed()).as(key).isFalse();
        }
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void reset_restoresTheFullQuota(Algorithm algorithm) {
        Policy policy = Policy.of(
                "resettable", limit(algorithm, 3, Duration.ofHours(1)), limit(algorithm, 1, Duration.ofSeconds(1)));
        String key = key("reset");
        acquire(key, policy, 1);
        assertThat(acquire(key, policy, 1).allowed()).isFalse();
        reset(key, policy);
        Decision after = acquire(key, policy, 0);
        assertThat(after.perLimit()).extracting(Decision::remaining).containsExactly(3L, 1L);
        assertThat(acquire(key, policy, 1).allowed()).isTrue();
        reset(key("never-seen"), policy);
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void randomizedTrace_matchesTheReferenceModel(Algorithm algorithm) {
        for (long seed = 1; seed <= 4; seed++) {
            SplittableRandom random = new SplittableRandom(seed * 7919 + seedOf(algorithm));
            long permits = 1L + random.nextInt(12);
            long windowMicros = 1 + random.nextLong(seed == 1 ? 50 : 3_600_000_000L);
            Limit limit = limit(algorithm, permits, Duration.ofNanos(windowMicros * 1000));
            if (algorithm == Algorithm.TOKEN_BUCKET && random.nextBoolean()) {
                limit = limit.burst(1 + random.nextInt(20));
            }
            trace(Policy.of("trace", limit), random, "s" + seed, 600, false);
        }
    }

    /**
     * The same traces through a {@link RateLimiter} with its local block cache on (the default
     * size): every decision, whether the backend or the cache answered it, is the reference
     * model's; and the cache does answer some.
     */
    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void randomizedTrace_throughALimitersBlockCache_matchesTheReferenceModel(Algorithm algorithm) {
        long fromCache = 0;
        for (long seed = 1; seed <= 4; seed++) {
            SplittableRandom random = new SplittableRandom(seed * 7919 + seedOf(algorithm));
            long permits = 1L + random.nextInt(12);
            long windowMicros = 1 + random.nextLong(seed == 1 ? 50 : 3_600_000_000L);
            Limit limit = limit(algorithm, permits, Duration.ofNanos(windowMicros * 1000));
            if (algorithm == Algorithm.TOKEN_BUCKET && random.nextBoolean()) {
                limit = limit.burst(1 + random.nextInt(20));
            }
            fromCache += trace(Policy.of("cached", limit), random, "c" + seed, 600, true);
        }
        assertThat(fromCache).as("decisions the block cache answered").isPositive();
    }

    @Test
    void randomizedTrace_multiLimitPolicies_matchTheReferenceModel() {
        for (long seed = 1; seed <= 4; seed++) {
            SplittableRandom random = new SplittableRandom(seed * 104_729);
            List<Limit> limits = new ArrayList<>();
            int count = 2 + random.nextInt(2);
            for (int i = 0; i < count; i++) {
                Algorithm algorithm = ALGORITHMS.get(random.nextInt(ALGORITHMS.size()));
                long windowMicros = 1 + random.nextLong(i == 0 ? 2_000_000L : 600_000_000L);
                limits.add(limit(algorithm, 1 + random.nextInt(8), Duration.ofNanos(windowMicros * 1000)));
            }
            trace(Policy.of("mixed", limits), random, "m" + seed, 600, false);
        }
    }

    @Test
    void randomizedTrace_multiLimitPolicies_throughALimitersBlockCache_matchTheReferenceModel() {
        long fromCache = 0;
        for (long seed = 1; seed <= 4; seed++) {
            SplittableRandom random = new SplittableRandom(seed * 104_729);
            List<Limit> limits = new ArrayList<>();
            int count = 2 + random.nextInt(2);
            for (int i = 0; i < count; i++) {
                Algorithm algorithm = ALGORITHMS.get(random.nextInt(ALGORITHMS.size()));
                long windowMicros = 1 + random.nextLong(i == 0 ? 2_000_000L : 600_000_000L);
                limits.add(limit(algorithm, 1 + random.nextInt(8), Duration.ofNanos(windowMicros * 1000)));
            }
            fromCache += trace(Policy.of("mixed-cached", limits), random, "mc" + seed, 600, true);
        }
        assertThat(fromCache).as("decisions the block cache answered").isPositive();
    }

    /**
     * Runs a random trace on two keys against the reference model, on the backend or through a
     * limiter (with its block cache) on it; returns how many decisions the block cache answered.
     */
    private long trace(Policy policy, SplittableRandom random, String name, int steps, boolean throughLimiter) {
        try (RateLimiter limiter = throughLimiter
                ? RateLimiter.builder()
                        .policy(policy)
                        .backend(behindCache(backend))
                        .clock(clock)
                        .deadline(Duration.ofMinutes(1))
                        .build()
                : null) {
            return trace(policy, random, name, steps, limiter);
        }
    }

    /**
     * {@code backend}, for a limiter with a block cache in front of it: a limiter puts none in front
     * of the in-memory backend (named {@code memory}), which answers as fast, so that one goes in
     * a wrapper the limiter takes for any other backend.
     */
    private static RateLimitBackend behindCache(RateLimitBackend backend) {
        if (!backend.name().equals("memory")) {
            return backend;
        }
        return new RateLimitBackend() {
            @Override
            public CompletionStage<Decision> evaluate(String key, Policy policy, long permits) {
                return backend.evaluate(key, policy, permits);
            }

            @Override
            public CompletionStage<Decision> peek(String key, Policy policy, long permits) {
                return backend.peek(key, policy, permits);
            }

            @Override
            public CompletionStage<Void> reset(String key, Policy policy) {
                return backend.reset(key, policy);
            }

            @Override
            public String name() {
                return backend.name();
            }

            /** The in-memory backend's own deadline is zero: it answers at once, never late. */
            @Override
            public Duration deadline() {
                return Duration.ofMinutes(1);
            }
        };
    }

    private long trace(Policy policy, SplittableRandom random, String name, int steps, @Nullable RateLimiter limiter) {
        long fromCache = 0;
        String[] keys = {key(name + "-x"), key(name + "-y")};
        ReferenceModel[] models = {new ReferenceModel(policy), new ReferenceModel(policy)};
        long window =
                policy.limits().stream().mapToLong(Limit::windowMicros).max().orElseThrow();
        Decision last = null;
        for (int step = 0; step < steps; step++) {
            int roll = random.nextInt(100);
            if (roll < 30) {
                // stand still
            } else if (roll < 50) {
                clock.advanceMicros(1 + random.nextInt(10));
            } else if (roll < 75) {
                clock.advanceMicros(random.nextLong(1 + window / 3));
            } else if (roll < 85 && last != null) {
                long target = micros(random.nextBoolean() ? last.retryAfter() : last.resetAfter());
                clock.advanceMicros(Math.max(0, target - 1 + random.nextInt(3)));
            } else if (roll < 90) {
                clock.advanceMicros(random.nextLong(1 + 3 * window));
            }
            int k = random.nextInt(2);
            if (random.nextInt(100) == 0) {
                if (limiter == null) {
                    reset(keys[k], policy);
                } else {
                    limiter.reset(keys[k]);
                }
                models[k].reset();
                continue;
            }
            long permits = random.nextInt(4) == 0 ? random.nextLong(policy.capacity() + 1) : random.nextInt(2);
            boolean peek = random.nextInt(8) == 0;
            ReferenceModel.Expected expected =
                    peek ? models[k].peek(clock.nowMicros(), permits) : models[k].request(clock.nowMicros(), permits);
            Decision actual = limiter != null
                    ? (peek ? limiter.peek(keys[k], permits) : limiter.tryAcquire(keys[k], permits))
                    : peek ? peek(keys[k], policy, permits) : acquire(keys[k], policy, permits);
            String where = "step " + step + " of trace " + name + " (" + policy + "), " + (peek ? "peek " : "permits ")
                    + permits + ", now " + clock.nowMicros();
            assertThat(actual.source())
                    .as(where + ": who answered")
                    .isIn(Decision.Source.BACKEND, Decision.Source.LOCAL_BLOCK_CACHE);
            if (actual.source() == Decision.Source.LOCAL_BLOCK_CACHE) {
                fromCache++;
                where += " (from the block cache)";
            }
            assertThat(actual.allowed()).as(where).isEqualTo(expected.allowed());
            assertThat(actual.limit()).as(where).isEqualTo(expected.limit());
            assertThat(actual.remaining()).as(where).isEqualTo(expected.remaining());
            assertThat(micros(actual.resetAfter())).as(where + ": resetAfter").isEqualTo(expected.resetAfter());
            assertThat(micros(actual.retryAfter())).as(where + ": retryAfter").isEqualTo(expected.retryAfter());
            for (int i = 0; i < policy.limits().size(); i++) {
                Decision own = actual.perLimit().get(i);
                ReferenceModel.Outcome model = expected.perLimit().get(i);
                assertThat(new ReferenceModel.Outcome(
                                own.allowed(), own.remaining(), micros(own.resetAfter()), micros(own.retryAfter())))
                        .as(where + ": limit " + i)
                        .isEqualTo(model);
            }
            last = actual;
        }
        return fromCache;
    }

    static long micros(Duration d) {
        return d.getSeconds() * 1_000_000L + d.getNano() / 1_000;
    }
}
