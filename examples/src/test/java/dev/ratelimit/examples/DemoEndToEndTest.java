package dev.ratelimit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.testkit.RedisServer;
import dev.ratelimit.testkit.UpstashCompatibleServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real demo process in each of its configurations — in memory, on a real redis-server, on the
 * Upstash-compatible server — driven over HTTP through every endpoint.
 */
class DemoEndToEndTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    Path spool;

    private static HttpResponse<String> post(DemoProcess demo, String path, String json) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + demo.port() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(DemoProcess demo, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + demo.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private Map<String, String> env(String... pairs) {
        Map<String, String> env = new HashMap<>(Map.of("EMAIL_LIMIT", "4/1h", "RATELIMIT_SPOOL_DIR", spool.toString()));
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    /** Every endpoint, as a visitor and a misbehaving client would use them. */
    private static void driveEveryEndpoint(DemoProcess demo, String backend) throws Exception {
        assertThat(get(demo, "/health").body()).isEqualTo("{\"status\":\"ok\"}");
        HttpResponse<String> page = get(demo, "/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<title>Threadr demo</title>");
        assertThat(get(demo, "/nope").statusCode()).isEqualTo(404);

        HttpResponse<String> probe = get(demo, "/test-redis");
        assertThat(probe.body()).contains("\"answeredBy\":\"" + backend + "\"", "\"source\":\"BACKEND\"", "\"roundTrip\":true");

        String text = "Rate limiting is easy to get wrong. A read followed by a write is a race. "
                + "One atomic script fixes it.";
        for (int i = 1; i <= 5; i++) {
            HttpResponse<String> thread = post(demo, "/api/generate", "{\"text\":\"" + text + "\"}");
            assertThat(thread.statusCode()).isEqualTo(200);
            assertThat(thread.body()).isEqualTo("{\"count\":1,\"posts\":[\"1/1 " + text + "\"]}");
            assertThat(thread.headers().firstValue("RateLimit-Policy")).hasValue("\"generate\";q=5;w=3600");
            assertThat(thread.headers().firstValue("RateLimit").orElseThrow()).startsWith("\"generate\";r=" + (5 - i) + ";t=");
        }
        HttpResponse<String> sixth = post(demo, "/api/generate", "{\"text\":\"one more\"}");
        assertThat(sixth.statusCode()).isEqualTo(429);
        long retry = Long.parseLong(sixth.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retry).isBetween(1L, 3600L);
        assertThat(sixth.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/problem+json");
        assertThat(sixth.body()).isEqualTo("{\"type\":\"about:blank\",\"title\":\"Too Many Requests\",\"status\":429,"
                + "\"detail\":\"Rate limit exceeded. Max 5 requests per 60 minutes.\",\"retryAfter\":" + retry + "}");

        HttpResponse<String> added = post(demo, "/api/capture-email", "{\"email\":\" Reader@Example.COM \"}");
        assertThat(added.statusCode()).isEqualTo(201);
        assertThat(added.body()).isEqualTo("{\"status\":\"added\"}");
        assertThat(post(demo, "/api/capture-email", "{\"email\":\"reader@example.com\"}").statusCode()).isEqualTo(200);
        HttpResponse<String> invalid = post(demo, "/api/capture-email", "{\"email\":\"reader@localhost\"}");
        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(invalid.body()).contains("\"detail\":\"missing top level domain\"");
        assertThat(post(demo, "/api/capture-email", "{\"email\":\"x@example.com\"}").statusCode()).as("4th capture").isEqualTo(201);
        assertThat(post(demo, "/api/capture-email", "{\"email\":\"y@example.com\"}").statusCode())
                .as("the email form is rate limited too").isEqualTo(429);
    }

    private static void badRequestsAreProblems(DemoProcess demo) throws Exception {
        for (String body : new String[] {"{}", "{\"text\":\"   \"}", "not json", "[1,2]", "{\"text\":42}",
                "{\"text\":\"" + "x".repeat(20_001) + "\"}", "{\"text\":\"" + "y".repeat(70_000) + "\"}"}) {
            HttpResponse<String> r = post(demo, "/api/generate", body);
            assertThat(r.statusCode()).as(body.length() > 40 ? body.substring(0, 40) : body).isEqualTo(400);
            assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/problem+json");
            assertThat(r.body()).contains("\"status\":400", "\"detail\":");
        }
    }

    @Test
    void inMemory_whenNothingIsConfigured() throws Exception {
        try (DemoProcess demo = new DemoProcess(env())) {
            assertThat(demo.log()).contains("in this process's memory only");
            driveEveryEndpoint(demo, "memory");
        }
    }

    @Test
    void badRequests_areProblemsWith400() throws Exception {
        // Every request to /api/generate counts, valid or not; a higher limit leaves room for them all.
        try (DemoProcess demo = new DemoProcess(env("GENERATE_LIMIT", "100/1h"))) {
            badRequestsAreProblems(demo);
        }
    }

    @Test
    void onRedis_fromRedisUrl_andSpoolingWhileRedisIsDown() throws Exception {
        try (RedisServer redis = RedisServer.start("--requirepass", "demo-secret-pw");
                DemoProcess demo = new DemoProcess(env("REDIS_URL", "redis://:demo-secret-pw@127.0.0.1:" + redis.port()))) {
            driveEveryEndpoint(demo, "redis");
            assertThat(demo.log()).contains("redis://:***@127.0.0.1:" + redis.port()).doesNotContain("demo-secret-pw");
            redis.kill();
            HttpResponse<String> spooled = post(demo, "/api/capture-email", "{\"email\":\"while-down@example.com\"}");
            assertThat(spooled.statusCode()).isIn(202, 429);
        }
    }

    @Test
    void onUpstash_fromTheRestVariables() throws Exception {
        try (RedisServer redis = RedisServer.start();
                UpstashCompatibleServer upstash = UpstashCompatibleServer.start(redis.url(), "demo-token-123");
                DemoProcess demo = new DemoProcess(env("UPSTASH_REDIS_REST_URL", upstash.url(),
                        "UPSTASH_REDIS_REST_TOKEN", upstash.token()))) {
            driveEveryEndpoint(demo, "upstash");
            assertThat(demo.log()).contains("upstash (" + upstash.url()).doesNotContain("demo-token-123");
            assertThat(upstash.requests()).isPositive();
        }
    }
}
