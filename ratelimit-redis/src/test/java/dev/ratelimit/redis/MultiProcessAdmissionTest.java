package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Limit;
import dev.ratelimit.RateLimitBackend;
import dev.ratelimit.testkit.AdmissionRace;
import dev.ratelimit.testkit.CpuHog;
import dev.ratelimit.testkit.redis.RedisExtension;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MultiProcessAdmissionTest {

    @RegisterExtension
    static final RedisExtension redis = RedisExtension.single();

    /** Builds the backend in each worker JVM. */
    public static final class Factory implements Function<String[], RateLimitBackend> {
        @Override
        public RateLimitBackend apply(String[] args) {
            RedisConnection connection = RedisConnection.open(RedisConfig.fromUrl(args[0]));
            connection.awaitConnection(Duration.ofSeconds(20));
            // This race counts what Redis admits; a busy machine must not turn a slow answer into
            // the failure policy's (theDefaultConfiguration_onABusyMachine below keeps the default).
            return RateLimitBackend.scripted(new PatientTransport(connection)).build();
        }
    }

    @ParameterizedTest
    @EnumSource(Limit.Algorithm.class)
    void twoJvmsOf32Threads_onOneKeyOf100PerHour_admitExactly100(Limit.Algorithm algorithm) throws Exception {
        assertThat(AdmissionRace.admitted(Factory.class, algorithm, 2, 32, redis.url()))
                .isEqualTo(100);
    }

    /**
     * Regression: on a busy machine a few decisions missed a 100 ms deadline, three misses opened the
     * breaker, and a limit of 100 admitted 423. With the default configuration and both cores
     * taken by other processes, Redis admits exactly 100 and nothing else admits any.
     */
    @Test
    void theDefaultConfiguration_onABusyMachine_admitsExactly100() throws Exception {
        try (CpuHog hog = CpuHog.start(2)) {
            assertThat(hog.pids()).as("two busy processes").hasSize(2);
            AdmissionRace.Result result = AdmissionRace.fromEnvironment(
                    Map.of("REDIS_URL", redis.url()), Limit.Algorithm.FIXED_WINDOW, 2, 32);
            assertThat(result.admittedByBackend())
                    .as("admitted by Redis, of %s", result)
                    .isEqualTo(100);
            assertThat(result.admitted()).as("admitted in all").isEqualTo(100);
        }
    }
}
