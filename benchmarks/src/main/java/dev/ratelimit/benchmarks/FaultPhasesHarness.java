package dev.ratelimit.benchmarks;

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
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Decision latency in each phase of a Redis outage, under steady load from 32 threads (each pausing
 * 1 ms between decisions) on a limiter with Redis as primary and memory as fallback, deadline
 * 100 ms: a {@code kill -9} and restart, then a {@code SIGSTOP} and {@code SIGCONT}. Prints one table
 * per scenario and the recovery time (from the restart or SIGCONT to the first decision from Redis).
 */
public final class FaultPhasesHarness {

    private FaultPhasesHarness() {}

    public static void main(String[] args) throws Exception {
        run(false);
        run(true);
    }

    private static void run(boolean pause) throws Exception {
        CountDownLatch opened = new CountDownLatch(1);
        RateLimitListener watch = new RateLimitListener() {
            @Override
            public void onBreakerStateChange(String backend, BreakerState from, BreakerState to) {
                if (to == BreakerState.OPEN) {
                    opened.countDown();
                }
            }
        };
        try (RedisServer server = RedisServer.start();
                RedisConnection redis = RedisConnection.open(RedisConfig.fromUrl(server.url()));
                RateLimitBackend memory = RateLimitBackend.inMemory();
                RateLimiter limiter = RateLimiter.builder()
                        .policy(Policy.of("drill", Limit.perHour(1_000_000)))
                        .backend(redis.rateLimitBackend())
                        .fallback(memory)
                        .deadline(Duration.ofMillis(100))
                        .listener(watch)
                        .build()) {
            redis.awaitConnection(Duration.ofSeconds(10));
            FaultDrill drill = new FaultDrill(limiter, 32, 1000, Duration.ofMillis(1));
            drill.run(Duration.ofSeconds(3));
            drill.phase("steady (Redis up)");
            drill.run(Duration.ofSeconds(3));
            drill.phase(pause ? "SIGSTOP until the breaker opens" : "kill -9 until the breaker opens");
            if (pause) {
                server.pause();
            } else {
                server.kill();
            }
            if (!opened.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the breaker did not open");
            }
            drill.phase("breaker open");
            drill.run(Duration.ofSeconds(5));
            String back = pause ? "SIGCONT until Redis answers" : "restart until Redis answers";
            drill.phase(back);
            if (pause) {
                server.resume();
            } else {
                server.restart();
            }
            Duration recovery = drill.awaitSource(back, "BACKEND", Duration.ofSeconds(10));
            Thread.sleep(200);
            drill.phase("recovered");
            drill.run(Duration.ofSeconds(3));
            List<FaultDrill.Phase> phases = drill.stop();
            System.out.println();
            System.out.println(pause ? "SIGSTOP / SIGCONT:" : "kill -9 / restart:");
            System.out.println();
            System.out.println("| phase | decisions | p50 ms | p99 ms | max ms | answered by |");
            System.out.println("| --- | ---: | ---: | ---: | ---: | --- |");
            phases.stream().skip(1).forEach(System.out::println);
            System.out.println();
            System.out.println("recovery: first decision from Redis " + recovery.toMillis() + " ms after "
                    + (pause ? "SIGCONT" : "the restart") + "; exceptions seen by callers: "
                    + drill.exceptions().size());
        }
    }
}
