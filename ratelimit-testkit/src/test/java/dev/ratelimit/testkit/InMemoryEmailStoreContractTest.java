package dev.ratelimit.testkit;

import dev.ratelimit.Clock;
import dev.ratelimit.EmailStore;

class InMemoryEmailStoreContractTest extends EmailStoreContract {

    @Override
    protected EmailStore createStore(Clock clock) {
        return EmailStore.inMemory(clock);
    }
}
