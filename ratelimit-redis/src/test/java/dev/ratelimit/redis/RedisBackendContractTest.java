package dev.ratelimit.redis;

import dev.ratelimit.Clock;
import dev.ratelimit.spi.RateLimitBackend;
import dev.ratelimit.testkit.RateLimitBackendContract;
import dev.ratelimit.testkit.RedisExtension;
import java.time.Duration;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisBackendContractTest extends RateLimitBackendContract {

    @RegisterExtension
    static final RedisExtension redis = RedisExtension.single();

    @Override
    protected RateLimitBackend createBackend(Clock clock) {
        return connected(redis.url(), clock);
    }

    /** A backend at {@code clock}'s time on the server at {@code url}, connected. */
    static RedisRateLimitBackend connected(String url, Clock clock) {
        RedisRateLimitBackend backend = RedisRateLimitBackend.builder(RedisConfig.fromUrl(url))
                .clock(clock)
                // The test clock stands still while real time passes; keys must outlive the test.
                .ttlGrace(Duration.ofHours(1))
                .build();
        try {
            backend.awaitConnection(Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
        return backend;
    }
}
