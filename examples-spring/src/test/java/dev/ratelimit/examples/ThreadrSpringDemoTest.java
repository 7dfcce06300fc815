package dev.ratelimit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** The Spring Boot demo over real HTTP, in memory: the page, a thread, and the limits from application.yml. */
@SpringBootTest(
        classes = ThreadrSpringDemo.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "ratelimit.email.spool-dir=target/spool")
class ThreadrSpringDemoTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @LocalServerPort
    int port;

    private HttpResponse<String> send(String method, String path, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (json != null) {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void thePage_isTheJettyDemosPage() throws Exception {
        HttpResponse<String> page = send("GET", "/", null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("threadr.js");
        assertThat(send("GET", "/threadr.js", null).statusCode()).isEqualTo(200);
    }

    @Test
    void generate_admitsFivePerHour_thenThe429_andTheQuotaSaysSo() throws Exception {
        for (int i = 1; i <= 5; i++) {
            HttpResponse<String> ok = send("POST", "/api/generate", "{\"text\": \"One sentence. Two sentences.\"}");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).startsWith("{\"count\":1,\"posts\":[");
            assertThat(ok.headers().firstValue("RateLimit-Policy")).hasValue("\"generate\";q=5;w=3600");
        }
        HttpResponse<String> denied = send("POST", "/api/generate", "{\"text\": \"Again.\"}");
        assertThat(denied.statusCode()).isEqualTo(429);
        assertThat(denied.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/problem+json");
        assertThat(denied.body()).contains("\"detail\":\"Rate limit exceeded. Max 5 requests per 60 minutes.\"");
        assertThat(send("GET", "/api/quota", null).body()).startsWith("{\"limit\":5,\"remaining\":0,");
        assertThat(send("POST", "/api/capture-email", "{\"email\": \"ada@example.com\"}")
                        .statusCode())
                .isEqualTo(201);
        assertThat(send("POST", "/api/capture-email", "{\"email\": \"Ada@Example.com\"}")
                        .statusCode())
                .isEqualTo(200);
        assertThat(send("POST", "/api/capture-email", "{\"email\": \"not an address\"}")
                        .statusCode())
                .isEqualTo(400);
    }
}
