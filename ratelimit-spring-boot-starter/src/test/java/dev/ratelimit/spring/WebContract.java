package dev.ratelimit.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import dev.ratelimit.TestClock;
import java.net.http.HttpResponse;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;

/**
 * What a Boot application with the starter answers over real HTTP, on the in-memory backend, the
 * same on Spring MVC (Tomcat) and WebFlux (Netty). The limiters run on a {@link TestClock} standing
 * 30 minutes and 1 µs into an hour, so the figures are exact and match the servlet filter's tests.
 * Each test is its own client (X-Forwarded-For from the trusted 127.0.0.1), as the context is shared.
 */
abstract class WebContract {

    /** The clock of the limiters the starter builds. */
    @TestConfiguration(proxyBeanMethods = false)
    static class Clocked {
        @Bean
        TestClock testClock() {
            return new TestClock(Instant.parse("2026-05-01T10:30:00.000001Z"));
        }
    }

    @LocalServerPort
    int port;

    Http http() {
        return new Http(port);
    }

    static final String PROBLEM = "{\"type\":\"about:blank\",\"title\":\"Too Many Requests\",\"status\":429,"
            + "\"detail\":\"Rate limit exceeded. Max 5 requests per 60 minutes.\",\"retryAfter\":1800}";

    /** Five admitted with the servlet filter's headers, then its 429. */
    static void admitsFiveThenTheServletFilters429(
            Http http, String client, String method, String path, String policy, String body, String... headers)
            throws Exception {
        for (int i = 1; i <= 5; i++) {
            HttpResponse<String> ok = http.from(client, method, path, headers);
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).isEqualTo(body);
            assertThat(ok.headers().firstValue("RateLimit-Policy")).hasValue("\"" + policy + "\";q=5;w=3600");
            assertThat(ok.headers().firstValue("RateLimit")).hasValue("\"" + policy + "\";r=" + (5 - i) + ";t=1800");
        }
        HttpResponse<String> denied = http.from(client, method, path, headers);
        assertThat(denied.statusCode()).isEqualTo(429);
        assertThat(denied.headers().firstValue("Retry-After"))
                .as("1799.999999 s, rounded up")
                .hasValue("1800");
        assertThat(denied.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/problem+json");
        assertThat(denied.headers().firstValue("RateLimit-Policy")).hasValue("\"" + policy + "\";q=5;w=3600");
        assertThat(denied.headers().firstValue("RateLimit")).hasValue("\"" + policy + "\";r=0;t=1800");
        assertThat(denied.body()).isEqualTo(PROBLEM);
    }

    @Test
    void yamlRules_admitFive_thenAnswerTheServletFilters429() throws Exception {
        admitsFiveThenTheServletFilters429(http(), "203.0.113.1", "POST", "/api/generate", "generate", "generated");
        assertThat(http().from("203.0.113.2", "POST", "/api/generate").statusCode())
                .as("another client")
                .isEqualTo(200);
    }

    @Test
    void unmatchedRequests_areUntouched() throws Exception {
        for (int i = 0; i < 7; i++) {
            HttpResponse<String> open = http().from("203.0.113.3", "GET", "/api/open");
            assertThat(open.statusCode()).isEqualTo(200);
            assertThat(open.headers().firstValue("RateLimit")).isEmpty();
        }
    }

    @Test
    void rateLimited_doesTheSame() throws Exception {
        admitsFiveThenTheServletFilters429(http(), "203.0.113.4", "POST", "/api/annotated", "annotated", "annotated");
    }

    @Test
    void rateLimitedKeys_areSpelOverTheRequest() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertThat(http().from("203.0.113.5", "GET", "/api/keyed", "X-Api-Key", "alice")
                            .statusCode())
                    .isEqualTo(200);
        }
        assertThat(http().from("203.0.113.6", "GET", "/api/keyed", "X-Api-Key", "alice")
                        .statusCode())
                .as("alice's key, from another address")
                .isEqualTo(429);
        assertThat(http().from("203.0.113.5", "GET", "/api/keyed", "X-Api-Key", "bob")
                        .statusCode())
                .isEqualTo(200);
        for (int i = 0; i < 5; i++) {
            assertThat(http().from("203.0.113." + (10 + i), "GET", "/api/threads/42")
                            .body())
                    .isEqualTo("thread 42");
        }
        assertThat(http().from("203.0.113.20", "GET", "/api/threads/42").statusCode())
                .as("per path variable")
                .isEqualTo(429);
        assertThat(http().from("203.0.113.20", "GET", "/api/threads/43").statusCode())
                .isEqualTo(200);
    }

    @Test
    void metrics_countDecisionsByOutcomeAndSource() throws Exception {
        double before = denied();
        for (int i = 0; i < 7; i++) {
            http().from("203.0.113.30", "POST", "/api/generate");
        }
        assertThat(denied() - before)
                .as("the backend's denial and the block cache's")
                .isEqualTo(2);
        String allowed = http().send(
                        "GET",
                        "/actuator/metrics/ratelimit.decisions?tag=policy:generate&tag=outcome:allowed"
                                + "&tag=source:backend")
                .body();
        assertThat(count(allowed)).isGreaterThanOrEqualTo(5);
    }

    private double denied() throws Exception {
        HttpResponse<String> r =
                http().send("GET", "/actuator/metrics/ratelimit.decisions?tag=policy:generate&tag=outcome:denied");
        if (r.statusCode() == 404) {
            return 0;
        }
        return count(r.body());
    }

    /** The COUNT statistic of an /actuator/metrics answer. */
    static double count(String metric) {
        return JsonPath.<java.util.List<Number>>read(metric, "$.measurements[?(@.statistic == 'COUNT')].value")
                .get(0)
                .doubleValue();
    }

    @Test
    void health_showsTheBackend() throws Exception {
        String health = http().send("GET", "/actuator/health").body();
        assertThat(JsonPath.<String>read(health, "$.components.ratelimit.components.memory.status"))
                .isEqualTo("UP");
    }
}
