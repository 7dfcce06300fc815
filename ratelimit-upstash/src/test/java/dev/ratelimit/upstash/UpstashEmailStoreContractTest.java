package dev.ratelimit.upstash;

import dev.ratelimit.Clock;
import dev.ratelimit.EmailStore;
import dev.ratelimit.testkit.EmailStoreContract;
import dev.ratelimit.testkit.redis.UpstashExtension;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.RegisterExtension;

class UpstashEmailStoreContractTest extends EmailStoreContract {

    @RegisterExtension
    static final UpstashExtension upstash = new UpstashExtension();

    private static UpstashConnection connection;

    @Override
    protected EmailStore createStore(Clock clock) {
        if (connection == null) {
            connection = UpstashConnection.open(UpstashConfig.builder(
                            upstash.server().url(), upstash.server().token())
                    .build());
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
