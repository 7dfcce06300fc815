package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.testkit.redis.RedisCluster;
import dev.ratelimit.testkit.redis.RedisServer;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/**
 * A Redis Cluster failover under load, through the environment wiring's default limiter: one of
 * three masters is killed with {@code kill -9} while 16 threads decide, and its replica is
 * promoted. Regression: one breaker covered the whole Cluster, so keys on the healthy masters
 * answered {@code FAIL_OPEN} for seconds, and a late success closed the open breaker without its
 * probe (840 open/close flaps in 7 s).
 */
class ClusterFailoverTest {

    private static final int KEYS = 300;
    private static final long LIMIT = 1_000;

    @Test
    void killingAMaster_affectsOnlyItsKeys_untilItsReplicaIsPromoted() throws Exception {
        List<String> transitions = new CopyOnWriteArrayList<>();
        Map<String, LongAdder> failureKinds = new ConcurrentHashMap<>();
        try (RedisCluster cluster = RedisCluster.start(3, true, Duration.ofSeconds(1));
                CapturedErr err = CapturedErr.start()) {
            Map<String, String> env = Map.of(
                    "REDIS_URL",
                    "redis://"
                            + String.join(
                                    ",",
                                    cluster.nodes().stream()
                                            .map(n -> "127.0.0.1:" + n.port())
                                            .toList()) + "?cluster=true");
            String[] keys = new String[KEYS];
            boolean[] onVictim = new boolean[KEYS];
            for (int i = 0; i < KEYS; i++) {
                keys[i] = "failover-" + i;
                onVictim[i] = cluster.masterOfSlot(SlotHash.getSlot(keys[i])) == 0;
            }
            try (RateLimiter limiter = RateLimiter.builder()
                    .policy(Policy.of("failover", Limit.perHour(LIMIT)))
                    .fromEnvironment(env::get)
                    .awaitConnection(Duration.ofSeconds(10))
                    .listener(new dev.ratelimit.RateLimitListener() {
                        @Override
                        public void onBackendFailure(String backend, Throwable failure) {
                            failureKinds
                                    .computeIfAbsent(String.valueOf(failure), f -> new LongAdder())
                                    .increment();
                        }

                        @Override
                        public void onBreakerStateChange(
                                String backend, dev.ratelimit.BreakerState from, dev.ratelimit.BreakerState to) {
                            transitions.add(backend + " " + from + "->" + to);
                        }
                    })
                    .build()) {
                AtomicBoolean running = new AtomicBoolean(true);
                LongAdder healthyDecisions = new LongAdder();
                LongAdder healthyFromRedis = new LongAdder();
                AtomicInteger exceptions = new AtomicInteger();
                long[] admittedByRedis = new long[KEYS];
                AtomicLong lastVictimFallback = new AtomicLong();
                AtomicLong firstVictimFromRedisAfterPromotion = new AtomicLong();
                AtomicLong promotedAt = new AtomicLong();
                Map<Decision.Source, LongAdder> victimSources = new ConcurrentHashMap<>();
                Map<Decision.Source, LongAdder> healthySources = new ConcurrentHashMap<>();
                List<Thread> threads = new ArrayList<>();
                for (int t = 0; t < 16; t++) {
                    int offset = t;
                    Thread thread = new Thread(
                            () -> {
                                int i = offset;
                                while (running.get()) {
                                    int k = i++ % KEYS;
                                    try {
                                        Decision d = limiter.tryAcquire(keys[k]);
                                        boolean fromRedis = d.source() == Decision.Source.BACKEND
                                                || d.source() == Decision.Source.LOCAL_BLOCK_CACHE;
                                        if (d.allowed() && d.source() == Decision.Source.BACKEND) {
                                            synchronized (admittedByRedis) {
                                                admittedByRedis[k]++;
                                            }
                                        }
                                        if (onVictim[k]) {
                                            victimSources
                                                    .computeIfAbsent(d.source(), s -> new LongAdder())
                                                    .increment();
                                            long now = System.nanoTime();
                                            if (!fromRedis) {
                                                lastVictimFallback.set(now);
                                            } else if (promotedAt.get() != 0) {
                                                firstVictimFromRedisAfterPromotion.compareAndSet(0, now);
                                            }
                                        } else {
                                            healthySources
                                                    .computeIfAbsent(d.source(), s -> new LongAdder())
                                                    .increment();
                                            healthyDecisions.increment();
                                            if (fromRedis) {
                                                healthyFromRedis.increment();
                                            }
                                        }
                                    } catch (Throwable e) {
                                        exceptions.incrementAndGet();
                                    }
                                }
                            },
                            "failover-load-" + t);
                    threads.add(thread);
                    thread.start();
                }
                Thread.sleep(1_000);
                RedisServer victim = cluster.master(0);
                victim.kill();
                long killedAt = System.nanoTime();
                String nodes = "";
                try (RedisAdmin survivor = new RedisAdmin(cluster.master(1).port())) {
                    String replica = "127.0.0.1:" + cluster.replica(0).port();
                    while (System.nanoTime() - killedAt < Duration.ofSeconds(30).toNanos()) {
                        nodes = survivor.sync().clusterNodes();
                        if (nodes.lines()
                                .anyMatch(l -> l.contains(replica) && l.contains("master") && !l.contains("fail"))) {
                            promotedAt.set(System.nanoTime());
                            break;
                        }
                        Thread.sleep(20);
                    }
                }
                assertThat(promotedAt.get())
                        .as(
                                "the replica was promoted: %s\n%s",
                                nodes, cluster.replica(0).log())
                        .isPositive();
                long waitUntil = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (firstVictimFromRedisAfterPromotion.get() == 0 && System.nanoTime() < waitUntil) {
                    Thread.sleep(10);
                }
                Thread.sleep(1_000);
                running.set(false);
                for (Thread thread : threads) {
                    thread.join();
                }
                long recoveryMillis = (firstVictimFromRedisAfterPromotion.get() - promotedAt.get()) / 1_000_000;
                System.out.printf(
                        "promoted %d ms after the kill; the dead master's keys were back on Redis %d ms "
                                + "after the promotion; healthy keys from Redis: %d of %d %s; dead master's keys: %s; "
                                + "breaker transitions: %s%n",
                        (promotedAt.get() - killedAt) / 1_000_000,
                        recoveryMillis,
                        healthyFromRedis.sum(),
                        healthyDecisions.sum(),
                        healthySources,
                        victimSources,
                        transitions);
                System.out.println("failures: " + failureKinds);

                assertThat(exceptions.get()).as("exceptions thrown to callers").isZero();
                assertThat((double) healthyFromRedis.sum() / healthyDecisions.sum())
                        .as("keys on the healthy masters answered by Redis")
                        .isGreaterThanOrEqualTo(0.99);
                for (int k = 0; k < KEYS; k++) {
                    assertThat(admittedByRedis[k])
                            .as("admitted by Redis for " + keys[k])
                            .isLessThanOrEqualTo(LIMIT);
                }
                assertThat(firstVictimFromRedisAfterPromotion.get())
                        .as("the dead master's keys came back to Redis")
                        .isPositive();
                assertThat(recoveryMillis)
                        .as("back on Redis after the promotion (ms)")
                        .isLessThanOrEqualTo(2_000);
                // Opened once; a failed probe doubles the open interval: probes at about 1, 3 and 7 s.
                assertThat(transitions)
                        .as("breaker transitions")
                        .hasSizeLessThanOrEqualTo(7)
                        .allMatch(t -> t.contains("127.0.0.1:" + victim.port()));
                long breakerLines = err.text()
                        .lines()
                        .filter(l -> l.contains("circuit breaker"))
                        .count();
                assertThat(breakerLines).as("breaker log lines").isLessThanOrEqualTo(6);
            }
        }
    }
}
