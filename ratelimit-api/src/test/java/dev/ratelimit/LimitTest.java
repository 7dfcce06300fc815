package dev.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class LimitTest {

    @Test
    void factories_andWithers() {
        Limit limit = Limit.of(100, Duration.ofMinutes(1)).tokenBucket().burst(20);
        assertThat(limit.permits()).isEqualTo(100);
        assertThat(limit.window()).isEqualTo(Duration.ofMinutes(1));
        assertThat(limit.algorithm()).isEqualTo(Limit.Algorithm.TOKEN_BUCKET);
        assertThat(limit.capacity()).isEqualTo(20);
        assertThat(limit.emissionIntervalMicros()).isEqualTo(600_000);
        assertThat(limit).hasToString("100 per PT1M (token bucket, burst 20)");
        assertThat(Limit.perHour(5)).isEqualTo(Limit.of(5, Duration.ofHours(1)));
        assertThat(Limit.perHour(5).slidingWindow().algorithm()).isEqualTo(Limit.Algorithm.SLIDING_WINDOW);
        assertThat(Limit.of(3, Duration.ofSeconds(10)).emissionIntervalMicros()).isEqualTo(3_333_334);
    }

    @Test
    void invalidLimits_nameTheProblem() {
        assertThatThrownBy(() -> Limit.perHour(0)).hasMessageContaining("permits must be at least 1; got 0");
        assertThatThrownBy(() -> Limit.of(1, Duration.ofNanos(1500)))
                .hasMessageContaining("whole number of microseconds");
        assertThatThrownBy(() -> Limit.of(1, Duration.ofDays(367))).hasMessageContaining("366 days");
        assertThatThrownBy(() -> Limit.perHour(5).burst(10))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("tokenBucket()");
        assertThatThrownBy(() -> Limit.perDay(200_000).slidingWindow()).hasMessageContaining("2^53");
        assertThat(Limit.perDay(100_000).slidingWindow().permits()).isEqualTo(100_000);
        assertThatThrownBy(() -> Limit.perSecond(1).tokenBucket().burst(2_000_000_000L))
                .hasMessageContaining("2^50");
    }

    @Test
    void policy_validatesNameAndLimits() {
        assertThatThrownBy(() -> Policy.of("0day", Limit.perHour(1))).hasMessageContaining("letter");
        assertThatThrownBy(() -> Policy.of("a:b", Limit.perHour(1))).hasMessageContaining("\"a:b\"");
        assertThatThrownBy(() -> Policy.of("bell\u0007", Limit.perHour(1))).hasMessageContaining("\"bell?\"");
        assertThatThrownBy(() -> Policy.of("none", List.of())).hasMessageContaining("1 to 16");
        Policy both = Policy.of(
                "api", Limit.perHour(1000), Limit.perSecond(10).tokenBucket().burst(3));
        assertThat(both.capacity()).isEqualTo(3);
        assertThat(both)
                .isEqualTo(Policy.of(
                        "api",
                        List.of(
                                Limit.perHour(1000),
                                Limit.perSecond(10).tokenBucket().burst(3))));
    }

    @Test
    void decision_combinesLimits() {
        Policy policy = Policy.of("two", Limit.perHour(100), Limit.perMinute(10));
        Decision hourly = Decision.ofLimit(policy, 0, true, 90, 3_000_000_000L, 0);
        Decision minute = Decision.ofLimit(policy, 1, false, 0, 30_000_000L, 30_000_000L);
        Decision both = Decision.combine(policy, List.of(hourly, minute));
        assertThat(both.allowed()).isFalse();
        assertThat(both.limit()).isEqualTo(10);
        assertThat(both.remaining()).isZero();
        assertThat(both.retryAfter()).isEqualTo(Duration.ofSeconds(30));
        assertThat(both.resetAfter()).isEqualTo(Duration.ofMinutes(50));
        assertThat(both.perLimit()).containsExactly(hourly, minute);
        assertThat(both.withSource(Decision.Source.FALLBACK, "upstash"))
                .hasToString("Decision[denied, policy=two, limit=10, remaining=0, resetAfter=PT50M, retryAfter=PT30S, "
                        + "source=FALLBACK:upstash]");
        assertThatThrownBy(() -> Decision.ofLimit(policy, 0, true, 1, 0, 5))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void testClock_movesOnlyWhenTold() {
        TestClock clock = new TestClock();
        assertThat(clock.instant()).isEqualTo(TestClock.DEFAULT_START);
        clock.advance(Duration.ofMillis(1500)).advanceMicros(1);
        assertThat(clock.nowMicros()).isEqualTo(TestClock.DEFAULT_START.toEpochMilli() * 1000 + 1_500_001);
        assertThatThrownBy(() -> clock.advance(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThat(Clock.system().nowMicros()).isGreaterThan(TestClock.DEFAULT_START.toEpochMilli() * 1000);
    }
}
