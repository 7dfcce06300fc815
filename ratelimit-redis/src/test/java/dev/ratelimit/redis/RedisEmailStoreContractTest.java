package dev.ratelimit.redis;

import dev.ratelimit.Clock;
import dev.ratelimit.email.EmailStore;
import dev.ratelimit.testkit.EmailStoreContract;
import dev.ratelimit.testkit.RedisExtension;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisEmailStoreContractTest extends EmailStoreContract {

    @RegisterExtension
    static final RedisExtension redis = RedisExtension.single();

    @Override
    protected EmailStore createStore(Clock clock) {
        RedisEmailStore store = RedisEmailStore.builder(RedisConfig.fromUrl(redis.url()))
                .keyPrefix("test-" + UUID.randomUUID())
                .clock(clock)
                .build();
        store.awaitConnection(Duration.ofSeconds(10));
        return store;
    }
}
