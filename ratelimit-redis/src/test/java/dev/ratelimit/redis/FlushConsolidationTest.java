package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.testkit.redis.RedisExtension;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class FlushConsolidationTest {

    @RegisterExtension
    static final RedisExtension redis = RedisExtension.single();

    /** 64 callers, each sending its next decision from the answer to its last, as a busy service's would. */
    @Test
    void decisionsInFlightTogether_shareTheServersReads() throws Exception {
        Policy policy = Policy.of("flush", Limit.perHour(10_000_000).tokenBucket());
        int chains = 64;
        int each = 50;
        try (RedisConnection backend = RedisBackendTest.connected(redis.url());
                RateLimiter limiter = RateLimiter.builder()
                        .policy(policy)
                        .backend(backend.rateLimitBackend())
                        .deadline(Duration.ofSeconds(10))
                        .build();
                RedisAdmin admin = new RedisAdmin(redis.server().port())) {
            limiter.tryAcquire("warm");
            admin.sync().configResetstat();
            long readsBefore = admin.stat("total_reads_processed");
            AtomicInteger backendAnswers = new AtomicInteger();
            CompletableFuture<?>[] done = new CompletableFuture<?>[chains];
            for (int c = 0; c < chains; c++) {
                done[c] = chain(limiter, "caller-" + c, each, backendAnswers);
            }
            CompletableFuture.allOf(done).get(60, TimeUnit.SECONDS);
            long reads = admin.stat("total_reads_processed") - readsBefore;
            long evalshas = admin.calls("evalsha");
            assertThat(backendAnswers.get()).isEqualTo(chains * each);
            assertThat(evalshas).isEqualTo((long) chains * each);
            // Written one by one, the commands cost the server about 3 reads in 4 (2,397 reads for
            // 3,200 commands here); sharing writes, fewer than 1 in 4 (612).
            assertThat(reads).as("the server's reads for %d commands", evalshas).isLessThan(evalshas / 2);
        }
    }

    /** {@code n} decisions one after the other, each sent from the completion of the one before. */
    private static CompletableFuture<Void> chain(RateLimiter limiter, String key, int n, AtomicInteger answers) {
        return next(limiter, key, n, answers);
    }

    private static CompletableFuture<Void> next(RateLimiter limiter, String key, int left, AtomicInteger answers) {
        if (left == 0) {
            return CompletableFuture.completedFuture(null);
        }
        return limiter.tryAcquireAsync(key, 1).toCompletableFuture().thenCompose(d -> {
            if (d.source() == Decision.Source.BACKEND) {
                answers.incrementAndGet();
            }
            return next(limiter, key, left - 1, answers);
        });
    }
}
