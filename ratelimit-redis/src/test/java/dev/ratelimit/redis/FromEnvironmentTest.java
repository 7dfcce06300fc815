package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Decision;
import dev.ratelimit.EmailStore;
import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.email.AddResult;
import dev.ratelimit.testkit.redis.RedisExtension;
import dev.ratelimit.testkit.redis.RedisServer;
import java.nio.file.Files;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Regression: with Redis up from the start, the first decisions through the environment wiring went
 * to memory ("not connected to Redis yet"), so a limit of 2 per minute admitted 3, and the first
 * email was spooled.
 */
class FromEnvironmentTest {

    @RegisterExtension
    static final RedisExtension redis = RedisExtension.single();

    @Test
    void theFirstDecisions_comeFromRedis() {
        Map<String, String> env = Map.of("REDIS_URL", redis.url());
        String key = "first-" + UUID.randomUUID();
        try (RateLimiter limiter = RateLimiter.builder()
                .policy(Policy.of("first", Limit.perMinute(2)))
                .fromEnvironment(env::get)
                .build()) {
            for (int i = 0; i < 10; i++) {
                Decision d = limiter.tryAcquire(key + i % 2);
                assertThat(d.source())
                        .as("decision %d", i)
                        .isIn(Decision.Source.BACKEND, Decision.Source.LOCAL_BLOCK_CACHE);
                assertThat(d.allowed()).isEqualTo(i < 4);
            }
        }
    }

    @Test
    void theFirstEmail_isStoredInRedis_notSpooled() throws Exception {
        Map<String, String> env = Map.of(
                "REDIS_URL",
                redis.url(),
                "RATELIMIT_SPOOL_DIR",
                Files.createTempDirectory("spool").toString());
        try (EmailStore store = EmailStore.fromEnvironment(env::get)) {
            assertThat(store.add("first-" + UUID.randomUUID() + "@example.com")).isEqualTo(AddResult.ADDED);
        }
    }

    @Test
    void limitersAndStoresFromTheEnvironment_shareOneConnection() throws Exception {
        try (RedisServer server = RedisServer.start();
                RedisAdmin admin = new RedisAdmin(server.port())) {
            Map<String, String> env = Map.of(
                    "REDIS_URL",
                    server.url(),
                    "RATELIMIT_SPOOL_DIR",
                    Files.createTempDirectory("spool").toString());
            try (RateLimiter a = RateLimiter.builder()
                            .policy(Policy.of("a", Limit.perMinute(2)))
                            .fromEnvironment(env::get)
                            .build();
                    RateLimiter b = RateLimiter.builder()
                            .policy(Policy.of("b", Limit.perMinute(2)))
                            .fromEnvironment(env::get)
                            .build();
                    EmailStore store = EmailStore.fromEnvironment(env::get)) {
                a.tryAcquire("k");
                b.tryAcquire("k");
                store.count();
                assertThat(admin.clients())
                        .as("this admin connection and one more")
                        .isEqualTo(2);
            }
        }
    }
}
