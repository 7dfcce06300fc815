package dev.ratelimit.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.TestClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The public surface both filters use, without any web stack. */
class RequestLimitsTest {

    @Test
    void headersAreReadOnlyBehindATrustedProxy_andExemptClientsHaveNoKey() {
        List<String> asked = new ArrayList<>();
        RequestLimits limits = RequestLimits.builder()
                .trustedProxies("10.0.0.0/8")
                .exempt("192.0.2.0/24")
                .build();
        assertThat(limits.clientAddress("198.51.100.7", name -> {
                    asked.add(name);
                    return List.of("203.0.113.1");
                }))
                .isEqualTo("198.51.100.7");
        assertThat(asked).as("an untrusted peer's headers are never read").isEmpty();
        assertThat(limits.clientAddress("10.1.2.3", name -> {
                    asked.add(name);
                    return List.of("203.0.113.1, 10.9.9.9");
                }))
                .isEqualTo("203.0.113.1");
        assertThat(asked).containsExactly("X-Forwarded-For");
        assertThat(limits.clientAddress("10.1.2.3", name -> List.of("192.0.2.55")))
                .as("exempt")
                .isNull();
        assertThat(limits.clientAddress(null, name -> List.of())).isEqualTo(RequestLimits.UNKNOWN_CLIENT);
        assertThat(limits.clientAddress("not an address", name -> List.of())).isEqualTo(RequestLimits.UNKNOWN_CLIENT);
    }

    @Test
    void theForwardedHeader_isTheOneAsked() {
        RequestLimits limits = RequestLimits.builder()
                .trustedProxies("127.0.0.1")
                .forwardedHeader(ForwardedHeader.FORWARDED)
                .build();
        assertThat(limits.clientAddress(
                        "127.0.0.1",
                        name -> name.equals("Forwarded")
                                ? List.of("for=\"[2001:db8:cafe::17]:4711\"")
                                : List.of("6.6.6.6")))
                .isEqualTo("2001:db8:cafe:0:0:0:0:0/64");
    }

    @Test
    void rulesFromText_getTheirLimitersFromTheFactory_andTheFirstMatchDecides() {
        List<Policy> made = new ArrayList<>();
        RateLimiter mine = RateLimiter.inMemory(Policy.of("mine", Limit.perHour(1)));
        try (RequestLimits limits = RequestLimits.builder()
                .rule("GET", "/api/mine", mine)
                .rules("POST /api/generate = 5/1h\n# a comment\nsearch: GET /api/* = 100/1m sliding")
                .limiters(policy -> {
                    made.add(policy);
                    return RateLimiter.inMemory(policy);
                })
                .build()) {
            assertThat(made).extracting(Policy::name).containsExactly("api-generate", "search");
            assertThat(limits.match("GET", "/api/mine").limiter()).isSameAs(mine);
            assertThat(limits.match("GET", "/api/x").limiter().policy().name()).isEqualTo("search");
            assertThat(limits.match("POST", "/api/generate").limiter().policy().name())
                    .isEqualTo("api-generate");
            assertThat(limits.match("DELETE", "/api/x")).isNull();
        }
    }

    @Test
    void badText_isRefusedWhenAdded() {
        assertThatThrownBy(() -> RequestLimits.builder().rule("GET api/x = 5/1h"))
                .hasMessageContaining("/exact, /prefix/*");
        assertThatThrownBy(() -> RequestLimits.policy("p", "5 per hour"))
                .hasMessageContaining("cannot read the limit \"5 per hour\" in the limits");
        assertThat(RequestLimits.policy("p", "100/1m sliding, 10/1s token-bucket burst 20")
                        .limits())
                .containsExactly(
                        Limit.perMinute(100).slidingWindow(),
                        Limit.perSecond(10).tokenBucket().burst(20));
        assertThatThrownBy(() -> RequestLimits.builder().problemType("not a uri"))
                .hasMessageContaining("absolute URI");
        assertThatThrownBy(() -> RequestLimits.builder().dryRun(true).dryRun(false))
                .hasMessageContaining("already set");
    }

    @Test
    void theResponseParts_areTheFiltersOnes() {
        TestClock clock = new TestClock(Instant.parse("2026-05-01T10:30:00.000001Z"));
        RateLimiter limiter = RateLimiter.inMemory(Policy.of("generate", Limit.perHour(1)), clock);
        limiter.tryAcquire("k");
        Decision denied = limiter.tryAcquire("k");
        Map<String, String> headers = new LinkedHashMap<>();
        QuotaHeaders.IETF.write(limiter.policy(), denied, headers::put);
        assertThat(headers)
                .containsExactly(
                        Map.entry("RateLimit-Policy", "\"generate\";q=1;w=3600"),
                        Map.entry("RateLimit", "\"generate\";r=0;t=1800"));
        headers.clear();
        QuotaHeaders.LEGACY.write(limiter.policy(), denied, headers::put);
        assertThat(headers)
                .containsExactly(
                        Map.entry("X-RateLimit-Limit", "1"),
                        Map.entry("X-RateLimit-Remaining", "0"),
                        Map.entry("X-RateLimit-Reset", "1800"));
        assertThat(TooManyRequests.retryAfterSeconds(denied)).isEqualTo(1800);
        assertThat(new String(TooManyRequests.body(denied, "https://example.com/limits"), StandardCharsets.UTF_8))
                .isEqualTo("{\"type\":\"https://example.com/limits\",\"title\":\"Too Many Requests\",\"status\":429,"
                        + "\"detail\":\"Rate limit exceeded. Max 1 request per 60 minutes.\",\"retryAfter\":1800}");
        assertThat(QuotaHeaders.seconds(Duration.ofNanos(1))).isEqualTo(1);
    }
}
