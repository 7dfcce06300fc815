package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.spi.ScriptTransport;
import dev.ratelimit.testkit.LeaseRace;
import dev.ratelimit.testkit.redis.RedisExtension;
import java.time.Duration;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Lease mode across processes on a real redis-server: three JVMs of 32 threads on one hot key of
 * 10,000 per minute never admit more than 10,000 in a window, and admit at least 95% of it, mostly
 * from slices. Windows pass ten times faster than real time on a clock the JVMs share (see
 * {@link LeaseRace}): four windows take 24 s. Then the same below the limit, where slices are
 * alive when windows end. Redis is given 10 s per call: this test counts
 * admissions, and on a machine shared with other builds a reservation can miss the usual 500 ms,
 * when the failure policy would answer (that path is {@link LeaseModeRedisTest}'s).
 */
class LeaseModeMultiProcessTest {

    @RegisterExtension
    static final RedisExtension redis = RedisExtension.single();

    /** Opens the connection in each worker JVM. */
    public static final class Transports implements Function<String[], ScriptTransport> {
        @Override
        public ScriptTransport apply(String[] args) {
            RedisConnection connection = RedisConnection.open(RedisConfig.fromUrl(args[0]));
            connection.awaitConnection(Duration.ofSeconds(20));
            return new PatientTransport(connection);
        }
    }

    @Test
    void threeJvmsOf32Threads_onOneHotKeyOf10000PerMinute_admitAtMostTheLimitInEveryWindow_andNearlyAllOfIt()
            throws Exception {
        LeaseRace.Result result = LeaseRace.run(Transports.class, 3, 32, 10_000, 500, 4, 10, redis.url());
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

    /**
     * Demand at about 80% of the limit: the quota is never used up, so every JVM holds a partly
     * spent slice when each window ends; not one of its permits may be spent after that.
     */
    @Test
    void threeJvmsBelowTheLimit_holdSlicesAtEveryWindowsEnd_andSpendNoneOfThemAfterIt() throws Exception {
        LeaseRace.Result result =
                LeaseRace.paced(Transports.class, 3, 32, 10_000, 500, 4, 10, Duration.ofMillis(72), redis.url());
        System.out.println(result);
        assertThat(result.other())
                .as("decisions by a fallback or the failure policy: %s", result)
                .isZero();
        assertThat(result.misplaced())
                .as("permits spent outside their window: %s", result)
                .isZero();
        assertThat(result.admittedPerWindow())
                .as("admitted per window: %s", result)
                .allSatisfy(n -> assertThat(n).isBetween(1L, 10_000L));
        long admitted =
                result.admittedPerWindow().stream().mapToLong(Long::longValue).sum();
        assertThat(result.leased()).as("spent from slices: %s", result).isGreaterThan(admitted * 9 / 10);
    }
}
