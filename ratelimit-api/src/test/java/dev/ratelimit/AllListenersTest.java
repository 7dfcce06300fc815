package dev.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AllListenersTest {

    @Test
    void everyListenerHearsEveryDecision_evenWhenOneBeforeItThrows() {
        List<String> heard = new ArrayList<>();
        RateLimitListener throwing = new RateLimitListener() {
            @Override
            public void onDecision(String key, Decision decision, long elapsedNanos) {
                heard.add("first " + key);
                throw new IllegalStateException("a listener with a bug");
            }
        };
        RateLimitListener second = new RateLimitListener() {
            @Override
            public void onDecision(String key, Decision decision, long elapsedNanos) {
                heard.add("second " + key);
            }
        };
        try (RateLimiter limiter = RateLimiter.builder()
                .policy(Policy.of("p", Limit.perHour(5)))
                .clock(new TestClock(Instant.parse("2026-05-01T10:00:00Z")))
                .listener(RateLimitListener.all(List.of(throwing, RateLimitListener.NONE, second)))
                .build()) {
            assertThat(limiter.tryAcquire("a").allowed()).isTrue();
            assertThat(limiter.tryAcquire("b").allowed()).isTrue();
        }
        assertThat(heard).containsExactly("first a", "second a", "first b", "second b");
    }

    @Test
    void noneOrOne_needsNoComposite() {
        assertThat(RateLimitListener.all(List.of())).isSameAs(RateLimitListener.NONE);
        assertThat(RateLimitListener.all(List.of(RateLimitListener.NONE, RateLimitListener.NONE)))
                .isSameAs(RateLimitListener.NONE);
    }
}
