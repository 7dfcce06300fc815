package dev.ratelimit.redis;

import dev.ratelimit.Clock;
import dev.ratelimit.spi.RateLimitBackend;
import dev.ratelimit.testkit.RateLimitBackendContract;
import dev.ratelimit.testkit.RedisExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisClusterBackendContractTest extends RateLimitBackendContract {

    @RegisterExtension
    static final RedisExtension cluster = RedisExtension.clusterOfThree();

    @Override
    protected RateLimitBackend createBackend(Clock clock) {
        return RedisBackendContractTest.connected(cluster.url(), clock);
    }
}
