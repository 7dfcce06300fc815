package dev.ratelimit.upstash;

import dev.ratelimit.Clock;
import dev.ratelimit.spi.RateLimitBackend;
import dev.ratelimit.testkit.RateLimitBackendContract;
import dev.ratelimit.testkit.UpstashExtension;
import java.time.Duration;
import org.junit.jupiter.api.extension.RegisterExtension;

class UpstashBackendContractTest extends RateLimitBackendContract {

    @RegisterExtension
    static final UpstashExtension upstash = new UpstashExtension();

    @Override
    protected RateLimitBackend createBackend(Clock clock) {
        UpstashConfig config = UpstashConfig.builder(upstash.server().url(), upstash.server().token()).build();
        return UpstashRateLimitBackend.builder(config).clock(clock).ttlGrace(Duration.ofHours(1)).build();
    }
}
