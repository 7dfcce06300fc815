package dev.ratelimit.testkit.redis;

import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts a real {@code redis-server} and an {@link UpstashCompatibleServer} in front of it for a
 * test class, with a random token; every fault switch is turned off before each test.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final UpstashExtension upstash = new UpstashExtension();
 * ... upstash.server().url(), upstash.server().token() ...
 * }</pre>
 */
public final class UpstashExtension implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback {

    private @Nullable RedisServer redis;
    private @Nullable UpstashCompatibleServer server;

    @Override
    public void beforeAll(ExtensionContext context) {
        redis = RedisServer.start();
        server = UpstashCompatibleServer.start(redis.url(), "token-" + UUID.randomUUID());
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        server().healthy();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (server != null) {
            server.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    /**
     * The REST server.
     *
     * @return the server, started before all tests with a random token
     * @throws IllegalStateException before all tests
     */
    public UpstashCompatibleServer server() {
        if (server == null) {
            throw new IllegalStateException("the Upstash-compatible server starts before all tests");
        }
        return server;
    }

    /**
     * The Redis behind it, for tests that kill, pause or restart it.
     *
     * @return the server, started before all tests
     * @throws IllegalStateException before all tests
     */
    public RedisServer redis() {
        if (redis == null) {
            throw new IllegalStateException("the Redis server starts before all tests");
        }
        return redis;
    }
}
