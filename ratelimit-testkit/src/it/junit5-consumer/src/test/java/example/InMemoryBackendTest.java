package example;

import dev.ratelimit.Clock;
import dev.ratelimit.RateLimitBackend;
import dev.ratelimit.testkit.RateLimitBackendContract;

class InMemoryBackendTest extends RateLimitBackendContract {

    @Override
    protected RateLimitBackend createBackend(Clock clock) {
        return RateLimitBackend.inMemory(clock, 10_000);
    }
}
