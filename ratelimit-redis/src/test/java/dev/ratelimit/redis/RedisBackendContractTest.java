package dev.ratelimit.redis;

import dev.ratelimit.Clock;
import dev.ratelimit.RateLimitBackend;
import dev.ratelimit.testkit.RateLimitBackendContract;
import dev.ratelimit.testkit.redis.RedisExtension;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisBackendContractTest extends RateLimitBackendContract {

    @RegisterExtension
    static final RedisExtension redis = RedisExtension.single();

    private static RedisConnection connection;

    @Override
    protected RateLimitBackend createBackend(Clock clock) {
        if (connection == null) {
            connection = RedisBackendTest.connected(redis.url());
        }
        return onTestClock(connection, clock);
    }

    @AfterAll
    static void closeConnection() {
        if (connection != null) {
            connection.close();
        }
    }

    /** A backend at {@code clock}'s time on {@code connection}. */
    static RateLimitBackend onTestClock(RedisConnection connection, Clock clock) {
        return RateLimitBackend.scripted(connection)
                .clock(clock)
                // The test clock stands still while real time passes; keys must outlive the test.
                .ttlGrace(Duration.ofHours(1))
                .build();
    }
}
