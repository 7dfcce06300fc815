package dev.ratelimit.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import dev.ratelimit.spring.app.mvc.MvcApp;
import dev.ratelimit.testkit.redis.RedisExtension;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The starter on a real Redis, then through a Redis outage: the rules still answer (from the
 * memory fallback), health says DOWN and then UP, and the metrics count who answered.
 */
@SpringBootTest(
        classes = MvcApp.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "ratelimit.rules[0].methods=POST",
            "ratelimit.rules[0].path=/api/generate",
            "ratelimit.rules[0].name=generate",
            "ratelimit.rules[0].limits=5/1h",
            "ratelimit.rules[1].methods=GET",
            "ratelimit.rules[1].path=/api/open",
            "ratelimit.rules[1].limits=1000/1h",
            "ratelimit.deadline=300ms"
        })
@DirtiesContext
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MvcRedisTest {

    @RegisterExtension
    static final RedisExtension redis = RedisExtension.single();

    @DynamicPropertySource
    static void redisUrl(DynamicPropertyRegistry registry) {
        registry.add("ratelimit.redis.url", () -> redis.server().url());
    }

    @LocalServerPort
    int port;

    private Http http() {
        return new Http(port);
    }

    private String redisHealth() throws Exception {
        return JsonPath.read(
                http().send("GET", "/actuator/health").body(), "$.components.ratelimit.components.redis.status");
    }

    private double decisions(String tags) throws Exception {
        HttpResponse<String> r = http().send("GET", "/actuator/metrics/ratelimit.decisions?" + tags);
        return r.statusCode() == 404 ? 0 : WebContract.count(r.body());
    }

    private static void await(String what, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.call()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 60 s: " + what);
            }
            Thread.sleep(100);
        }
    }

    @Test
    @Order(1)
    void yamlRules_onRedis_admitFive_thenTheServletFilters429() throws Exception {
        for (int i = 1; i <= 5; i++) {
            HttpResponse<String> ok = http().send("POST", "/api/generate");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.headers().firstValue("RateLimit-Policy")).hasValue("\"generate\";q=5;w=3600");
            assertThat(ok.headers().firstValue("RateLimit").orElseThrow())
                    .matches("\"generate\";r=" + (5 - i) + ";t=\\d+");
        }
        HttpResponse<String> denied = http().send("POST", "/api/generate");
        assertThat(denied.statusCode()).isEqualTo(429);
        String retry = denied.headers().firstValue("Retry-After").orElseThrow();
        assertThat(denied.headers().firstValue("RateLimit")).hasValue("\"generate\";r=0;t=" + retry);
        assertThat(denied.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/problem+json");
        assertThat(denied.body())
                .isEqualTo("{\"type\":\"about:blank\",\"title\":\"Too Many Requests\",\"status\":429,"
                        + "\"detail\":\"Rate limit exceeded. Max 5 requests per 60 minutes.\",\"retryAfter\":" + retry
                        + "}");
        assertThat(decisions("tag=policy:generate&tag=source:backend&tag=outcome:allowed"))
                .isEqualTo(5);
        assertThat(redisHealth()).isEqualTo("UP");
    }

    @Test
    @Order(2)
    void throughARedisOutage_healthTurnsDownThenUp_andTheFallbackCountIsEveryRequestWithoutRedis() throws Exception {
        assertThat(http().send("GET", "/api/open").statusCode()).isEqualTo(200);
        double fallbackBefore = decisions("tag=policy:api-open&tag=source:fallback");
        redis.server().kill();
        int during = 40;
        for (int i = 0; i < during; i++) {
            HttpResponse<String> r = http().send("GET", "/api/open");
            assertThat(r.statusCode()).as("the memory fallback answers").isEqualTo(200);
            assertThat(r.headers().firstValue("RateLimit")).isPresent();
        }
        assertThat(decisions("tag=policy:api-open&tag=source:fallback") - fallbackBefore)
                .isEqualTo(during);
        assertThat(redisHealth()).as("the breaker is open").isEqualTo("DOWN");
        String health = http().send("GET", "/actuator/health/ratelimit/memory").body();
        assertThat(JsonPath.<String>read(health, "$.status")).isEqualTo("UP");
        assertThat(http().send("GET", "/actuator/health").body()).doesNotContain("secret");

        redis.server().restart();
        await("health UP and not degraded", () -> {
            http().send("GET", "/api/open");
            String body = http().send("GET", "/actuator/health/ratelimit/redis").body();
            return JsonPath.<String>read(body, "$.status").equals("UP") && !body.contains("\"degraded\"");
        });
        double backend = decisions("tag=policy:api-open&tag=source:backend");
        assertThat(http().send("GET", "/api/open").statusCode()).isEqualTo(200);
        assertThat(decisions("tag=policy:api-open&tag=source:backend")).isEqualTo(backend + 1);
    }
}
