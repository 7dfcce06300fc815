package dev.ratelimit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.BreakerState;
import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimitBackend;
import dev.ratelimit.RateLimitListener;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.redis.RedisConfig;
import dev.ratelimit.redis.RedisConnection;
import dev.ratelimit.testkit.FaultDrill;
import dev.ratelimit.testkit.redis.RedisServer;
import dev.ratelimit.testkit.redis.UpstashExtension;
import dev.ratelimit.upstash.UpstashConfig;
import dev.ratelimit.upstash.UpstashConnection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Real processes killed and frozen under steady load from 32 threads: no exception reaches a
 * caller, no decision hangs (a generous bound: the deadline plus 5 s), the breaker opens and the
 * fallbacks answer in turn, and decisions come from Redis again after its return. How fast each of
 * those happens is measured by the benchmarks' fault-phase harness, not asserted here.
 */
class FaultToleranceTest {

    @RegisterExtension
    static final UpstashExtension upstash = new UpstashExtension();

    private static final Duration DEADLINE = Duration.ofMillis(100);
    private static final double HANG_MILLIS = DEADLINE.toMillis() + 5_000;
    private static final Policy POLICY = Policy.of("drill", Limit.perHour(1_000_000));

    /** Counts down when the primary's breaker opens. */
    private static final class BreakerWatch implements RateLimitListener {
        volatile CountDownLatch opened = new CountDownLatch(1);

        @Override
        public void onBreakerStateChange(String backend, BreakerState from, BreakerState to) {
            if (backend.equals("redis") && to == BreakerState.OPEN) {
                opened.countDown();
            }
        }
    }

    private static RedisConnection redis(RedisServer server) {
        RedisConnection connection = RedisConnection.open(RedisConfig.fromUrl(server.url()));
        connection.awaitConnection(Duration.ofSeconds(10));
        return connection;
    }

    /** 32 threads deciding every millisecond: a phase "start" of 1 s, then 1 s of "steady". */
    private static FaultDrill steadyLoad(RateLimiter limiter) throws InterruptedException {
        FaultDrill drill = new FaultDrill(limiter, 32, 1000, Duration.ofMillis(1));
        drill.run(Duration.ofSeconds(1));
        drill.phase("steady");
        drill.run(Duration.ofSeconds(1));
        return drill;
    }

    private static void assertEveryPhase(FaultDrill drill, List<FaultDrill.Phase> phases) {
        phases.forEach(System.out::println);
        assertThat(drill.exceptions()).isEmpty();
        for (FaultDrill.Phase phase : phases) {
            assertThat(phase.exceptions()).as(phase.name()).isZero();
            assertThat(phase.maxMillis())
                    .as("slowest decision in phase %s", phase.name())
                    .isLessThanOrEqualTo(HANG_MILLIS);
        }
    }

    @Test
    void killAndRestart_underLoad() throws Exception {
        BreakerWatch watch = new BreakerWatch();
        try (RedisServer server = RedisServer.start();
                RedisConnection redis = redis(server);
                RateLimitBackend memory = RateLimitBackend.inMemory();
                RateLimiter limiter = RateLimiter.builder()
                        .policy(POLICY)
                        .backend(redis.rateLimitBackend())
                        .fallback(memory)
                        .deadline(DEADLINE)
                        .listener(watch)
                        .build()) {
            FaultDrill drill = steadyLoad(limiter);
            drill.phase("kill -9");
            server.kill();
            assertThat(watch.opened.await(5, TimeUnit.SECONDS))
                    .as("breaker opened")
                    .isTrue();
            drill.phase("breaker open");
            drill.run(Duration.ofSeconds(3));
            drill.phase("restart");
            server.restart();
            Duration recovery = drill.awaitSource("restart", "BACKEND", Duration.ofSeconds(5));
            drill.phase("recovered");
            drill.run(Duration.ofSeconds(1));
            List<FaultDrill.Phase> phases = drill.stop();
            System.out.println("recovery after restart: " + recovery.toMillis() + " ms");
            assertEveryPhase(drill, phases);
            FaultDrill.Phase open = phases.get(3);
            assertThat(open.sources()).containsOnlyKeys("FALLBACK:memory");
            assertThat(phases.get(5).sources()).containsKey("BACKEND");
        }
    }

    @Test
    void pauseAndResume_underLoad() throws Exception {
        BreakerWatch watch = new BreakerWatch();
        try (RedisServer server = RedisServer.start();
                RedisConnection redis = redis(server);
                RateLimitBackend memory = RateLimitBackend.inMemory();
                RateLimiter limiter = RateLimiter.builder()
                        .policy(POLICY)
                        .backend(redis.rateLimitBackend())
                        .fallback(memory)
                        .deadline(DEADLINE)
                        .listener(watch)
                        .build()) {
            FaultDrill drill = steadyLoad(limiter);
            drill.phase("SIGSTOP");
            server.pause();
            try {
                assertThat(watch.opened.await(5, TimeUnit.SECONDS))
                        .as("breaker opened")
                        .isTrue();
                drill.phase("breaker open");
                drill.run(Duration.ofSeconds(4));
            } finally {
                drill.phase("SIGCONT");
                server.resume();
            }
            Duration recovery = drill.awaitSource("SIGCONT", "BACKEND", Duration.ofSeconds(5));
            drill.phase("recovered");
            drill.run(Duration.ofSeconds(1));
            List<FaultDrill.Phase> phases = drill.stop();
            System.out.println("recovery after SIGCONT: " + recovery.toMillis() + " ms");
            assertEveryPhase(drill, phases);
        }
    }

    @Test
    void upstashAsFirstFallback_thenMemory() throws Exception {
        BreakerWatch watch = new BreakerWatch();
        UpstashConfig config = UpstashConfig.builder(
                        upstash.server().url(), upstash.server().token())
                .build();
        try (RedisServer server = RedisServer.start();
                RedisConnection redis = redis(server);
                UpstashConnection rest = UpstashConnection.open(config);
                RateLimitBackend memory = RateLimitBackend.inMemory();
                RateLimiter limiter = RateLimiter.builder()
                        .policy(POLICY)
                        .backend(redis.rateLimitBackend())
                        .fallback(rest.rateLimitBackend())
                        .fallback(memory)
                        .deadline(DEADLINE)
                        .listener(watch)
                        .build()) {
            FaultDrill drill = steadyLoad(limiter);
            drill.phase("redis killed");
            server.kill();
            drill.awaitSource("redis killed", "FALLBACK:upstash", Duration.ofSeconds(5));
            drill.run(Duration.ofSeconds(2));
            drill.phase("upstash answers 503");
            upstash.server().failNext(Integer.MAX_VALUE, 503);
            drill.awaitSource("upstash answers 503", "FALLBACK:memory", Duration.ofSeconds(5));
            drill.run(Duration.ofSeconds(2));
            drill.phase("upstash drops connections");
            upstash.server().failNext(0, 503).dropConnections(true);
            drill.run(Duration.ofSeconds(2));
            drill.phase("upstash healthy");
            upstash.server().healthy();
            drill.awaitSource("upstash healthy", "FALLBACK:upstash", Duration.ofSeconds(5));
            drill.run(Duration.ofSeconds(1));
            drill.phase("redis restarted");
            server.restart();
            Duration recovery = drill.awaitSource("redis restarted", "BACKEND", Duration.ofSeconds(5));
            drill.phase("recovered");
            drill.run(Duration.ofSeconds(1));
            List<FaultDrill.Phase> phases = drill.stop();
            System.out.println("recovery after redis restart: " + recovery.toMillis() + " ms");
            assertEveryPhase(drill, phases);
        }
    }
}
