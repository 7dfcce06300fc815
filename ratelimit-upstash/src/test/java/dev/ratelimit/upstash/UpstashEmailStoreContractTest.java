package dev.ratelimit.upstash;

import dev.ratelimit.Clock;
import dev.ratelimit.email.EmailStore;
import dev.ratelimit.testkit.EmailStoreContract;
import dev.ratelimit.testkit.UpstashExtension;
import java.util.UUID;
import org.junit.jupiter.api.extension.RegisterExtension;

class UpstashEmailStoreContractTest extends EmailStoreContract {

    @RegisterExtension
    static final UpstashExtension upstash = new UpstashExtension();

    @Override
    protected EmailStore createStore(Clock clock) {
        UpstashConfig config = UpstashConfig.builder(upstash.server().url(), upstash.server().token()).build();
        return UpstashEmailStore.builder(config).keyPrefix("test-" + UUID.randomUUID()).clock(clock).build();
    }
}
