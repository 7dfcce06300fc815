package dev.ratelimit.redis;

import dev.ratelimit.Clock;
import dev.ratelimit.EmailStore;
import dev.ratelimit.testkit.EmailStoreContract;
import dev.ratelimit.testkit.redis.RedisExtension;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisEmailStoreContractTest extends EmailStoreContract {

    @RegisterExtension
    static final RedisExtension redis = RedisExtension.single();

    private static RedisConnection connection;

    @Override
    protected EmailStore createStore(Clock clock) {
        if (connection == null) {
            connection = RedisBackendTest.connected(redis.url());
        }
        return EmailStore.scripted(connection)
                .keyPrefix("test-" + UUID.randomUUID())
                .clock(clock)
                .build();
    }

    @AfterAll
    static void closeConnection() {
        if (connection != null) {
            connection.close();
        }
    }
}
