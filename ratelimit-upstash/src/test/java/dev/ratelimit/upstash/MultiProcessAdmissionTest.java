package dev.ratelimit.upstash;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Limit;
import dev.ratelimit.RateLimitBackend;
import dev.ratelimit.testkit.AdmissionRace;
import dev.ratelimit.testkit.UpstashExtension;
import java.util.function.Function;
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
            return UpstashConnection.open(UpstashConfig.builder(args[0], args[1]).build()).rateLimitBackend();
        }
    }

    @ParameterizedTest
    @EnumSource(Limit.Algorithm.class)
    void twoJvmsOf32Threads_onOneKeyOf100PerHour_admitExactly100(Limit.Algorithm algorithm) throws Exception {
        assertThat(AdmissionRace.admitted(Factory.class, algorithm, 2, 32,
                upstash.server().url(), upstash.server().token())).isEqualTo(100);
    }
}
