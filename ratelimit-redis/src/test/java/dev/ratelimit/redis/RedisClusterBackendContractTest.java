package dev.ratelimit.redis;

import dev.ratelimit.Clock;
import dev.ratelimit.RateLimitBackend;
import dev.ratelimit.testkit.RateLimitBackendContract;
import dev.ratelimit.testkit.redis.RedisExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisClusterBackendContractTest extends RateLimitBackendContract {

    @RegisterExtension
    static final RedisExtension cluster = RedisExtension.clusterOfThree();

    private static RedisConnection connection;

    @Override
    protected RateLimitBackend createBackend(Clock clock) {
        if (connection == null) {
            connection = RedisBackendTest.connected(cluster.url());
        }
        return RedisBackendContractTest.onTestClock(connection, clock);
    }

    @AfterAll
    static void closeConnection() {
        if (connection != null) {
            connection.close();
        }
    }
}
