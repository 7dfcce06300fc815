package dev.ratelimit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.ratelimit.testkit.redis.RedisServer;
import dev.ratelimit.testkit.redis.UpstashCompatibleServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real demo process in each of its configurations — in memory, on a real redis-server, on the
 * Upstash-compatible server — driven over HTTP through every endpoint.
 */
class DemoEndToEndTest {

    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    Path spool;

    private static HttpResponse<String> post(DemoProcess demo, String path, String json, String... headers)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(demo.origin() + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        for (int i = 0; i < headers.length; i += 2) {
            request.setHeader(headers[i], headers[i + 1]);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(DemoProcess demo, String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(demo.origin() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> send(DemoProcess demo, String method, String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(demo.origin() + path))
                        .method(method, HttpRequest.BodyPublishers.noBody())
                        .header("X-Trace-Me", "secret-header-value")
                        .build(),
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
        assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow())
                .contains("script-src 'self'");
        assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(page.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
        for (String asset : new String[] {"/threadr.js", "/threadr.css", "/favicon.svg", "/favicon.ico"}) {
            assertThat(get(demo, asset).statusCode()).as(asset).isEqualTo(200);
        }
        assertThat(get(demo, "/nope").statusCode()).isEqualTo(404);
        assertThat(get(demo, "/api/quota").body())
                .isEqualTo("{\"limit\":5,\"remaining\":5,\"retryAfterSeconds\":0,\"resetAfterSeconds\":0}");

        HttpResponse<String> probe = get(demo, "/test-redis");
        assertThat(probe.body())
                .contains("\"answeredBy\":\"" + backend + "\"", "\"source\":\"BACKEND\"", "\"roundTrip\":true");

        String text = "Rate limiting is easy to get wrong. A read followed by a write is a race. "
                + "One atomic script fixes it.";
        for (int i = 1; i <= 5; i++) {
            HttpResponse<String> thread = post(demo, "/api/generate", "{\"text\":\"" + text + "\"}");
            assertThat(thread.statusCode()).isEqualTo(200);
            assertThat(thread.body()).isEqualTo("{\"count\":1,\"posts\":[\"1/1 " + text + "\"]}");
            assertThat(thread.headers().firstValue("RateLimit-Policy")).hasValue("\"generate\";q=5;w=3600");
            assertThat(thread.headers().firstValue("RateLimit").orElseThrow())
                    .startsWith("\"generate\";r=" + (5 - i) + ";t=");
        }
        HttpResponse<String> sixth = post(demo, "/api/generate", "{\"text\":\"one more\"}");
        assertThat(sixth.statusCode()).isEqualTo(429);
        long retry = Long.parseLong(sixth.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retry).isBetween(1L, 3600L);
        assertThat(sixth.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/problem+json");
        assertThat(sixth.body())
                .isEqualTo("{\"type\":\"about:blank\",\"title\":\"Too Many Requests\",\"status\":429,"
                        + "\"detail\":\"Rate limit exceeded. Max 5 requests per 60 minutes.\",\"retryAfter\":" + retry
                        + "}");
        Matcher quota = Pattern.compile(
                        "\\{\"limit\":5,\"remaining\":0,\"retryAfterSeconds\":(\\d+),\"resetAfterSeconds\":(\\d+)}")
                .matcher(get(demo, "/api/quota").body());
        assertThat(quota.matches()).as("the quota after the limit is reached").isTrue();
        assertThat(Long.parseLong(quota.group(1))).as("retryAfterSeconds").isBetween(1L, retry);
        assertThat(Long.parseLong(quota.group(2)))
                .as("a fixed window is full again when a request is allowed again")
                .isCloseTo(Long.parseLong(quota.group(1)), within(1L));

        HttpResponse<String> added = post(demo, "/api/capture-email", "{\"email\":\" Reader@Example.COM \"}");
        assertThat(added.statusCode()).isEqualTo(201);
        assertThat(added.body()).isEqualTo("{\"status\":\"added\"}");
        assertThat(post(demo, "/api/capture-email", "{\"email\":\"reader@example.com\"}")
                        .statusCode())
                .isEqualTo(200);
        HttpResponse<String> invalid = post(demo, "/api/capture-email", "{\"email\":\"reader@localhost\"}");
        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(invalid.body()).contains("\"detail\":\"missing top level domain\"");
        assertThat(post(demo, "/api/capture-email", "{\"email\":\"x@example.com\"}")
                        .statusCode())
                .as("4th capture")
                .isEqualTo(201);
        assertThat(post(demo, "/api/capture-email", "{\"email\":\"y@example.com\"}")
                        .statusCode())
                .as("the email form is rate limited too")
                .isEqualTo(429);
    }

    private static void badRequestsAreProblems(DemoProcess demo) throws Exception {
        for (String body : new String[] {
            "{}",
            "{\"text\":\"   \"}",
            "not json",
            "[1,2]",
            "{\"text\":42}",
            "{\"text\":\"" + "x".repeat(20_001) + "\"}",
            "{\"text\":\"" + "\uD83D\uDE00".repeat(20_001) + "\"}"
        }) {
            HttpResponse<String> r = post(demo, "/api/generate", body);
            assertThat(r.statusCode())
                    .as(body.length() > 40 ? body.substring(0, 40) : body)
                    .isEqualTo(400);
            assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/problem+json");
            assertThat(r.body()).contains("\"status\":400", "\"detail\":");
        }
        assertThat(post(demo, "/api/generate", "{\"text\":\"" + "\uD83D\uDE00".repeat(20_000) + "\"}")
                        .statusCode())
                .as("20,000 emoji are 20,000 characters")
                .isEqualTo(200);
        HttpResponse<String> huge = post(demo, "/api/generate", "{\"text\":\"" + "y".repeat(100_000) + "\"}");
        assertThat(huge.statusCode()).isEqualTo(413);
        assertThat(huge.body()).isEqualTo("{\"type\":\"about:blank\",\"title\":\"Payload Too Large\",\"status\":413}");
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
                DemoProcess demo =
                        new DemoProcess(env("REDIS_URL", "redis://:demo-secret-pw@127.0.0.1:" + redis.port()))) {
            driveEveryEndpoint(demo, "redis");
            assertThat(demo.log())
                    .contains("redis://:***@127.0.0.1:" + redis.port())
                    .doesNotContain("demo-secret-pw");
            redis.kill();
            HttpResponse<String> spooled = post(demo, "/api/capture-email", "{\"email\":\"while-down@example.com\"}");
            assertThat(spooled.statusCode()).isIn(202, 429);
        }
    }

    @Test
    void onUpstash_fromTheRestVariables() throws Exception {
        try (RedisServer redis = RedisServer.start();
                UpstashCompatibleServer upstash = UpstashCompatibleServer.start(redis.url(), "demo-token-123");
                DemoProcess demo = new DemoProcess(
                        env("UPSTASH_REDIS_REST_URL", upstash.url(), "UPSTASH_REDIS_REST_TOKEN", upstash.token()))) {
            driveEveryEndpoint(demo, "upstash");
            assertThat(demo.log()).contains("upstash (" + upstash.url()).doesNotContain("demo-token-123");
            assertThat(upstash.requests()).isPositive();
        }
    }

    @Test
    void crossSiteAndNonJsonPosts_areRefused_beforeTheLimits_andStoreNothing() throws Exception {
        try (DemoProcess demo = new DemoProcess(env("EMAIL_LIMIT", "3/1h"))) {
            String address = "{\"email\":\"v@example.com\",\"x\":\"=\"}";
            for (String type : new String[] {
                "text/plain",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x",
                "application/xml",
                "application/jsonp"
            }) {
                HttpResponse<String> r = post(demo, "/api/capture-email", address, "Content-Type", type);
                assertThat(r.statusCode()).as(type).isEqualTo(415);
                assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/problem+json");
                assertThat(post(demo, "/api/generate", "{\"text\":\"Hi.\"}", "Content-Type", type)
                                .statusCode())
                        .as(type)
                        .isEqualTo(415);
            }
            for (String origin : new String[] {
                "http://evil.example", "null", demo.origin() + ".evil.example", "https://127.0.0.1:" + (demo.port() + 1)
            }) {
                HttpResponse<String> r = post(demo, "/api/capture-email", address, "Origin", origin);
                assertThat(r.statusCode()).as(origin).isEqualTo(403);
                assertThat(r.body())
                        .as(origin)
                        .isEqualTo("{\"type\":\"about:blank\",\"title\":\"Forbidden\",\"status\":403,"
                                + "\"detail\":\"cross-site requests are not accepted\"}");
                assertThat(post(demo, "/api/generate", "{\"text\":\"Hi.\"}", "Origin", origin)
                                .statusCode())
                        .as(origin)
                        .isEqualTo(403);
            }
            HttpResponse<String> sameSite = post(
                    demo,
                    "/api/capture-email",
                    address,
                    "Origin",
                    demo.origin(),
                    "Content-Type",
                    "application/json; charset=utf-8");
            assertThat(sameSite.statusCode())
                    .as("the first capture that gets through adds the address")
                    .isEqualTo(201);
            assertThat(sameSite.headers().firstValue("RateLimit").orElseThrow())
                    .as("the refused requests did not count")
                    .startsWith("\"capture-email\";r=2;");
            assertThat(post(demo, "/api/generate", "{\"text\":\"Hi.\"}", "Origin", demo.origin())
                            .statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    void allowedOrigins_replaceTheHostsOwnOrigin() throws Exception {
        try (DemoProcess demo =
                new DemoProcess(env("ALLOWED_ORIGINS", "https://threadr.example, https://www.threadr.example/"))) {
            String body = "{\"text\":\"Hi.\"}";
            assertThat(post(demo, "/api/generate", body, "Origin", "https://threadr.example")
                            .statusCode())
                    .isEqualTo(200);
            assertThat(post(demo, "/api/generate", body, "Origin", "https://WWW.threadr.example")
                            .statusCode())
                    .isEqualTo(200);
            assertThat(post(demo, "/api/generate", body, "Origin", "http://threadr.example")
                            .statusCode())
                    .isEqualTo(403);
            assertThat(post(demo, "/api/generate", body, "Origin", demo.origin())
                            .statusCode())
                    .as("a page served under another host name (DNS rebinding)")
                    .isEqualTo(403);
            assertThat(post(demo, "/api/generate", body).statusCode())
                    .as("no Origin: not a browser")
                    .isEqualTo(200);
        }
    }

    @Test
    void quota_isTheQuotaOfTheClientTheFilterResolves() throws Exception {
        try (DemoProcess demo = new DemoProcess(env("TRUSTED_PROXIES", "127.0.0.1/32", "GENERATE_LIMIT", "2/1h"))) {
            for (int i = 0; i < 2; i++) {
                assertThat(post(demo, "/api/generate", "{\"text\":\"Hi.\"}", "X-Forwarded-For", "203.0.113.5")
                                .statusCode())
                        .isEqualTo(200);
            }
            HttpResponse<String> spent = HTTP.send(
                    HttpRequest.newBuilder(URI.create(demo.origin() + "/api/quota"))
                            .header("X-Forwarded-For", "203.0.113.5")
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(spent.body()).startsWith("{\"limit\":2,\"remaining\":0,\"retryAfterSeconds\":");
            HttpResponse<String> other = HTTP.send(
                    HttpRequest.newBuilder(URI.create(demo.origin() + "/api/quota"))
                            .header("X-Forwarded-For", "203.0.113.6")
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(other.body())
                    .isEqualTo("{\"limit\":2,\"remaining\":2,\"retryAfterSeconds\":0,\"resetAfterSeconds\":0}");
            assertThat(get(demo, "/api/quota").body()).as("the proxy itself").contains("\"remaining\":2");
        }
    }

    @Test
    void trace_isRefused_andErrorBodiesEchoNothing() throws Exception {
        try (DemoProcess demo = new DemoProcess(env())) {
            HttpResponse<String> trace = send(demo, "TRACE", "/");
            assertThat(trace.statusCode()).isEqualTo(405);
            assertThat(trace.body()).doesNotContain("secret-header-value").doesNotContain("X-Trace-Me");
            assertThat(send(demo, "TRACE", "/api/generate").statusCode()).isEqualTo(405);

            for (String path : new String[] {
                "/nope-%3Cscript%3Ealert(1)%3C/script%3E", "/api/nope-xyz", "/error", "/index.html/nope-xyz"
            }) {
                HttpResponse<String> missing = get(demo, path);
                assertThat(missing.statusCode()).as(path).isEqualTo(404);
                assertThat(missing.headers().firstValue("Content-Type").orElseThrow())
                        .startsWith("application/problem+json");
                assertThat(missing.headers().firstValue("X-Content-Type-Options"))
                        .hasValue("nosniff");
                assertThat(missing.body())
                        .as(path)
                        .doesNotContain("nope")
                        .doesNotContain("script")
                        .doesNotContain("error\"");
            }
            HttpResponse<String> wrongMethod = get(demo, "/api/generate?nope-xyz");
            assertThat(wrongMethod.statusCode()).isEqualTo(405);
            assertThat(wrongMethod.body())
                    .isEqualTo("{\"type\":\"about:blank\",\"title\":\"Method Not Allowed\",\"status\":405}");
            for (String request : new String[] {
                "GET /nope-xyz%zz<script> HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /health HTTP/1.1\r\nHost: x\r\nX-Nope: " + "nope-xyz".repeat(2_000) + "\r\n\r\n"
            }) {
                String response = raw(demo, request);
                assertThat(response)
                        .as(request.substring(0, 30))
                        .matches("(?s)HTTP/1\\.1 4(00|31) .*")
                        .contains("X-Content-Type-Options: nosniff", "Content-Type: application/problem+json")
                        .doesNotContain("nope")
                        .doesNotContain("script");
            }
            HttpResponse<String> badJson = post(demo, "/api/generate", "{\"text\": <script>nope-xyz");
            assertThat(badJson.statusCode()).isEqualTo(400);
            assertThat(badJson.body()).doesNotContain("nope").doesNotContain("script");
        }
    }

    /** Sends {@code request} as it is, for requests no HTTP client would send; the whole response. */
    private static String raw(DemoProcess demo, String request) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), demo.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void host_bindsTheGivenAddressOnly() throws Exception {
        InetAddress other = InetAddress.getByName("127.0.0.2");
        Assumptions.assumeTrue(bindable(other), "127.0.0.2 is not a local address here");
        try (DemoProcess demo = new DemoProcess(env("HOST", "127.0.0.2"))) {
            assertThat(get(demo, "/health").statusCode()).isEqualTo(200);
            assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), demo.port()).close())
                    .as("nothing listens on 127.0.0.1")
                    .isInstanceOf(ConnectException.class);
        }
    }

    private static boolean bindable(InetAddress address) {
        try (ServerSocket socket = new ServerSocket(0, 1, address)) {
            return socket.isBound();
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The slow-body attack of issue 14: 300 connections from 20 client addresses (through a trusted
     * proxy) send their request bodies a byte at a time. Throughout, {@code /health} answers each
     * check in full within one second on a fresh connection; and the server itself ends every slow
     * body (408 and close) — the test keeps trickling until it has, within a generous minute. As in
     * the issue, every request is within the per-client limits.
     */
    @Test
    void slowBodies_from20Addresses_neverStarveHealth_andAreCutOff() throws Exception {
        int connections = 300;
        List<SocketChannel> slow = new ArrayList<>();
        try (DemoProcess demo = new DemoProcess(
                env("TRUSTED_PROXIES", "127.0.0.1/32", "GENERATE_LIMIT", "100/1h", "EMAIL_LIMIT", "100/1h"))) {
            InetSocketAddress server = new InetSocketAddress(InetAddress.getLoopbackAddress(), demo.port());
            for (int i = 0; i < connections; i++) {
                SocketChannel channel = SocketChannel.open(server);
                slow.add(channel);
                String path = i % 2 == 0 ? "/api/generate" : "/api/capture-email";
                String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + demo.port() + "\r\n"
                        + "X-Forwarded-For: 198.51.100." + (i % 20 + 1) + "\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 1000\r\n\r\n{";
                channel.write(ByteBuffer.wrap(head.getBytes(StandardCharsets.US_ASCII)));
                channel.configureBlocking(false);
            }
            Set<SocketChannel> open = new HashSet<>(slow);
            List<String> endings = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            long nextByte = 0;
            int checks = 0;
            int checksWhileAllWereOpen = 0;
            ByteBuffer in = ByteBuffer.allocate(4096);
            while (!open.isEmpty()) {
                assertThat(System.nanoTime())
                        .as("%d slow bodies still open after a minute", open.size())
                        .isLessThan(deadline);
                boolean allOpen = open.size() == connections;
                assertThat(healthAnswersWithinOneSecond(server))
                        .as("/health, check %d, %d slow bodies open", checks, open.size())
                        .isEqualTo("{\"status\":\"ok\"}");
                checks++;
                if (allOpen) {
                    checksWhileAllWereOpen++;
                }
                boolean trickle = System.nanoTime() > nextByte;
                for (Iterator<SocketChannel> it = open.iterator(); it.hasNext(); ) {
                    SocketChannel channel = it.next();
                    in.clear();
                    int read;
                    try {
                        read = channel.read(in);
                        if (read == 0 && trickle) {
                            channel.write(ByteBuffer.wrap(new byte[] {' '}));
                        }
                    } catch (IOException closedByServer) {
                        read = -1;
                    }
                    if (read != 0) {
                        endings.add(
                                read < 0
                                        ? "closed"
                                        : new String(in.array(), 0, Math.min(read, 12), StandardCharsets.US_ASCII));
                        it.remove();
                    }
                }
                if (trickle) {
                    nextByte = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
                }
                Thread.sleep(100);
            }
            assertThat(checksWhileAllWereOpen)
                    .as("health checks made while all %d slow bodies were pending", connections)
                    .isGreaterThanOrEqualTo(5);
            assertThat(endings)
                    .as("how the server ended the slow bodies")
                    .hasSize(connections)
                    .allMatch(e -> e.equals("HTTP/1.1 408") || e.equals("closed"));
            assertThat(endings).contains("HTTP/1.1 408");
        } finally {
            for (SocketChannel channel : slow) {
                channel.close();
            }
        }
    }

    /** {@code GET /health} on a new connection, the whole exchange within one second, or an exception. */
    private static String healthAnswersWithinOneSecond(InetSocketAddress server) throws IOException {
        long start = System.nanoTime();
        try (Socket socket = new Socket()) {
            socket.connect(server, 1_000);
            socket.getOutputStream()
                    .write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
            ByteArrayOutputStream response = new ByteArrayOutputStream();
            byte[] buffer = new byte[1024];
            for (; ; ) {
                long left = 1_000 - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                if (left <= 0) {
                    throw new SocketTimeoutException("/health took more than a second");
                }
                socket.setSoTimeout((int) left);
                int n = socket.getInputStream().read(buffer);
                if (n < 0) {
                    break;
                }
                response.write(buffer, 0, n);
            }
            String text = response.toString(StandardCharsets.US_ASCII);
            assertThat(text).startsWith("HTTP/1.1 200 ");
            return text.substring(text.indexOf("\r\n\r\n") + 4);
        }
    }
}
