package example;

import dev.ratelimit.Clock;
import dev.ratelimit.EmailStore;
import dev.ratelimit.testkit.EmailStoreContract;

class InMemoryEmailStoreTest extends EmailStoreContract {

    @Override
    protected EmailStore createStore(Clock clock) {
        return EmailStore.inMemory(clock);
    }
}
