package example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.redis.RedisConfig;
import dev.ratelimit.servlet.RateLimitFilter;
import dev.ratelimit.testkit.RateLimitBackendContract;
import dev.ratelimit.testkit.redis.RedisServer;
import dev.ratelimit.upstash.UpstashConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every module the BOM manages resolved at the BOM's version, and works. */
class EveryModuleTest {

    @Test
    void everyModuleComesFromTheBomsVersion() {
        for (Class<?> type : List.of(
                RateLimiter.class,
                RedisConfig.class,
                UpstashConfig.class,
                RateLimitFilter.class,
                RateLimitBackendContract.class,
                RedisServer.class)) {
            assertThat(type.getProtectionDomain().getCodeSource().getLocation().getPath())
                    .as(type.getName())
                    .endsWith("-" + System.getProperty("ratelimit.version") + ".jar");
        }
    }

    @Test
    void theCoreDecides() {
        try (RateLimiter limiter = RateLimiter.inMemory(Policy.of("generate", Limit.perHour(5)))) {
            Decision decision = limiter.tryAcquire("203.0.113.7");
            assertThat(decision.allowed()).isTrue();
            assertThat(decision.remaining()).isEqualTo(4);
        }
    }
}
