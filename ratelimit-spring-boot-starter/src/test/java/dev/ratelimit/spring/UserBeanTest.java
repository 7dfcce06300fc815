package dev.ratelimit.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Clock;
import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.spring.app.mvc.MvcApp;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/** A RateLimiter bean of the application's replaces the limiter the starter would build for its policy. */
@SpringBootTest(classes = MvcApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import({WebContract.Clocked.class, UserBeanTest.Mine.class})
class UserBeanTest {

    @TestConfiguration(proxyBeanMethods = false)
    static class Mine {
        @Bean
        RateLimiter generate(Clock clock) {
            return RateLimiter.inMemory(Policy.of("generate", Limit.perHour(2)), clock);
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    RateLimiters limiters;

    @Autowired
    RateLimiter generate;

    @Test
    void theRuleUsesTheApplicationsLimiter() throws Exception {
        assertThat(limiters.get("generate")).isSameAs(generate);
        Http http = new Http(port);
        for (int i = 1; i <= 2; i++) {
            HttpResponse<String> ok = http.send("POST", "/api/generate");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.headers().firstValue("RateLimit-Policy")).hasValue("\"generate\";q=2;w=3600");
        }
        HttpResponse<String> denied = http.send("POST", "/api/generate");
        assertThat(denied.statusCode()).isEqualTo(429);
        assertThat(denied.body()).contains("Max 2 requests per 60 minutes");
        assertThat(generate.peek("127.0.0.1", 0).remaining()).isZero();
    }
}
