package dev.ratelimit.upstash;

import dev.ratelimit.Clock;
import dev.ratelimit.RateLimitBackend;
import dev.ratelimit.testkit.RateLimitBackendContract;
import dev.ratelimit.testkit.redis.UpstashExtension;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.RegisterExtension;

class UpstashBackendContractTest extends RateLimitBackendContract {

    @RegisterExtension
    static final UpstashExtension upstash = new UpstashExtension();

    private static UpstashConnection connection;

    @Override
    protected RateLimitBackend createBackend(Clock clock) {
        if (connection == null) {
            connection = UpstashConnection.open(UpstashConfig.builder(
                            upstash.server().url(), upstash.server().token())
                    .build());
        }
        return RateLimitBackend.scripted(connection)
                .clock(clock)
                .ttlGrace(Duration.ofHours(1))
                .build();
    }

    @AfterAll
    static void closeConnection() {
        if (connection != null) {
            connection.close();
        }
    }
}
