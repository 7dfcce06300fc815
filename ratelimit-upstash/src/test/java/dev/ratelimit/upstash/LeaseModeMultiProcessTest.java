package dev.ratelimit.upstash;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.spi.ScriptTransport;
import dev.ratelimit.testkit.LeaseRace;
import dev.ratelimit.testkit.redis.UpstashExtension;
import java.time.Duration;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Lease mode across processes through the Upstash-compatible REST server in front of a real
 * redis-server: three JVMs of 32 threads on one hot key of 10,000 per minute never admit more than
 * 10,000 in a window, and admit at least 95% of it, mostly from slices. Windows pass ten times
 * faster than real time on a clock the JVMs share (see {@link LeaseRace}). Requests may take 10 s:
 * this test counts admissions, and on a machine shared with other builds a reservation can miss
 * the usual deadline, when the failure policy would answer.
 */
class LeaseModeMultiProcessTest {

    @RegisterExtension
    static final UpstashExtension upstash = new UpstashExtension();

    /** Opens the connection in each worker JVM. */
    public static final class Transports implements Function<String[], ScriptTransport> {
        @Override
        public ScriptTransport apply(String[] args) {
            UpstashConnection connection = UpstashConnection.open(UpstashConfig.builder(args[0], args[1])
                    .requestTimeout(Duration.ofSeconds(10))
                    .build());
            connection.awaitConnection(Duration.ofSeconds(20));
            return connection;
        }
    }

    @Test
    void threeJvmsOf32Threads_onOneHotKeyOf10000PerMinute_admitAtMostTheLimitInEveryWindow_andNearlyAllOfIt()
            throws Exception {
        LeaseRace.Result result = LeaseRace.run(
                Transports.class,
                3,
                32,
                10_000,
                500,
                4,
                10,
                upstash.server().url(),
                upstash.server().token());
        System.out.println(result);
        assertThat(result.other())
                .as("decisions by a fallback or the failure policy: %s", result)
                .isZero();
        assertThat(result.misplaced())
                .as("permits spent outside their window: %s", result)
                .isZero();
        assertThat(result.admittedPerWindow())
                .as("admitted per window: %s", result)
                .allSatisfy(n -> assertThat(n).isBetween(9_500L, 10_000L));
        long admitted =
                result.admittedPerWindow().stream().mapToLong(Long::longValue).sum();
        assertThat(result.reserved())
                .as("admissions that took a round trip: %s", result)
                .isLessThan(admitted / 20);
    }
}
