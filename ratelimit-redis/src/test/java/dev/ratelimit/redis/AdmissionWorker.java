package dev.ratelimit.redis;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimiter;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A separate JVM for {@link MultiProcessAdmissionTest}: {@code threads} threads race on one key and
 * the process prints how many requests Redis admitted and how many decisions did not come from
 * Redis (which must be none).
 *
 * <p>Arguments: redis URL, algorithm, key, threads, attempts per thread, start time (epoch ms).
 */
public final class AdmissionWorker {

    private AdmissionWorker() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        Limit limit = Limit.perHour(100);
        limit = switch (Limit.Algorithm.valueOf(args[1])) {
            case FIXED_WINDOW -> limit;
            case SLIDING_WINDOW -> limit.slidingWindow();
            case TOKEN_BUCKET -> limit.tokenBucket();
        };
        String key = args[2];
        int threads = Integer.parseInt(args[3]);
        int attempts = Integer.parseInt(args[4]);
        long startAt = Long.parseLong(args[5]);
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger notFromRedis = new AtomicInteger();
        try (RedisRateLimitBackend backend = RedisRateLimitBackend.builder(RedisConfig.fromUrl(url)).build();
                RateLimiter limiter = RateLimiter.builder().policy(Policy.of("race", limit)).backend(backend)
                        .deadline(Duration.ofSeconds(5)).build()) {
            backend.awaitConnection(Duration.ofSeconds(20));
            CountDownLatch done = new CountDownLatch(threads);
            for (int t = 0; t < threads; t++) {
                new Thread(() -> {
                    try {
                        // Both JVMs start racing at the same wall-clock instant.
                        Thread.sleep(Math.max(0, startAt - System.currentTimeMillis()));
                        for (int i = 0; i < attempts; i++) {
                            Decision d = limiter.tryAcquire(key);
                            if (d.source() != Decision.Source.BACKEND) {
                                notFromRedis.incrementAndGet();
                            } else if (d.allowed()) {
                                admitted.incrementAndGet();
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        done.countDown();
                    }
                }).start();
            }
            done.await();
        }
        System.out.println("admitted=" + admitted.get() + " notFromRedis=" + notFromRedis.get());
    }
}
