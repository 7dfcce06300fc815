package dev.ratelimit.testkit;

import dev.ratelimit.Clock;
import dev.ratelimit.RateLimitBackend;

class InMemoryBackendContractTest extends RateLimitBackendContract {

    @Override
    protected RateLimitBackend createBackend(Clock clock) {
        return RateLimitBackend.inMemory(clock, 10_000);
    }
}
