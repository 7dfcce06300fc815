package dev.ratelimit.upstash;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Limit;
import dev.ratelimit.RateLimitBackend;
import dev.ratelimit.testkit.AdmissionRace;
import dev.ratelimit.testkit.CpuHog;
import dev.ratelimit.testkit.redis.UpstashExtension;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MultiProcessAdmissionTest {

    @RegisterExtension
    static final UpstashExtension upstash = new UpstashExtension();

    /** Builds the backend in each worker JVM. */
    public static final class Factory implements Function<String[], RateLimitBackend> {
        @Override
        public RateLimitBackend apply(String[] args) {
            // This race counts what Upstash admits; a busy machine must not turn a slow answer into
            // the failure policy's (theDefaultConfiguration_onABusyMachine below keeps the default).
            return UpstashConnection.open(UpstashConfig.builder(args[0], args[1])
                            .requestTimeout(Duration.ofSeconds(10))
                            .build())
                    .rateLimitBackend();
        }
    }

    @ParameterizedTest
    @EnumSource(Limit.Algorithm.class)
    void twoJvmsOf32Threads_onOneKeyOf100PerHour_admitExactly100(Limit.Algorithm algorithm) throws Exception {
        assertThat(AdmissionRace.admitted(
                        Factory.class,
                        algorithm,
                        2,
                        32,
                        upstash.server().url(),
                        upstash.server().token()))
                .isEqualTo(100);
    }

    /** With the default configuration and both cores taken by other processes, Upstash admits exactly 100. */
    @Test
    void theDefaultConfiguration_onABusyMachine_admitsExactly100() throws Exception {
        try (CpuHog hog = CpuHog.start(2)) {
            assertThat(hog.pids()).as("two busy processes").hasSize(2);
            AdmissionRace.Result result = AdmissionRace.fromEnvironment(
                    Map.of(
                            "UPSTASH_REDIS_REST_URL",
                            upstash.server().url(),
                            "UPSTASH_REDIS_REST_TOKEN",
                            upstash.server().token()),
                    Limit.Algorithm.FIXED_WINDOW,
                    2,
                    32);
            assertThat(result.admittedByBackend())
                    .as("admitted by Upstash, of %s", result)
                    .isEqualTo(100);
            assertThat(result.admitted()).as("admitted in all").isEqualTo(100);
        }
    }
}
