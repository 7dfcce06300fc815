package dev.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Decision;
import dev.ratelimit.FailurePolicy;
import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimitBackend;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.TestClock;
import dev.ratelimit.servlet.RateLimitFilter.ForwardedHeader;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The filter in a real container over real HTTP. Every limiter runs on a {@link TestClock} standing
 * 30 minutes and 1 µs into an hour, so the figures in headers and bodies are exact.
 */
abstract class FilterInContainerTest {

    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private final TestClock clock = new TestClock(Instant.parse("2026-05-01T10:30:00.000001Z"));
    private Container container;

    abstract Container container();

    @AfterEach
    void stop() throws Exception {
        if (container != null) {
            container.close();
        }
    }

    private void serve(Filter filter) throws Exception {
        container = container().start(filter);
    }

    private RateLimiter limiter(String name, Limit limit) {
        return RateLimiter.inMemory(Policy.of(name, limit), clock);
    }

    private HttpResponse<String> send(String method, String path, String... headers) throws Exception {
        return sendTo("127.0.0.1", method, path, headers);
    }

    private HttpResponse<String> sendTo(String host, String method, String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create("http://" + host + ":" + container.port() + "/app" + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theRequestAfterTheLimit_gets429_withRetryAfter_rateLimitFields_andAProblem() throws Exception {
        serve(RateLimitFilter.builder()
                .rule("POST", "/api/generate", limiter("generate", Limit.perHour(5)))
                .build());
        for (int i = 1; i <= 5; i++) {
            HttpResponse<String> ok = send("POST", "/api/generate");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).isEqualTo("ok /api/generate key=127.0.0.1");
            assertThat(ok.headers().firstValue("RateLimit-Policy")).hasValue("\"generate\";q=5;w=3600");
            assertThat(ok.headers().firstValue("RateLimit")).hasValue("\"generate\";r=" + (5 - i) + ";t=1800");
        }
        HttpResponse<String> denied = send("POST", "/api/generate");
        assertThat(denied.statusCode()).isEqualTo(429);
        assertThat(denied.headers().firstValue("Retry-After"))
                .as("1799.999999 s, rounded up")
                .hasValue("1800");
        assertThat(denied.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/problem+json");
        assertThat(denied.headers().firstValue("RateLimit-Policy")).hasValue("\"generate\";q=5;w=3600");
        assertThat(denied.headers().firstValue("RateLimit")).hasValue("\"generate\";r=0;t=1800");
        assertThat(denied.body())
                .isEqualTo("{\"type\":\"about:blank\",\"title\":\"Too Many Requests\",\"status\":429,"
                        + "\"detail\":\"Rate limit exceeded. Max 5 requests per 60 minutes.\",\"retryAfter\":1800}");
    }

    @Test
    void unmatchedRequests_areUntouched() throws Exception {
        serve(RateLimitFilter.builder()
                .rule("POST", "/api/generate", limiter("generate", Limit.perHour(1)))
                .build());
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> health = send("GET", "/health");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.headers().firstValue("RateLimit")).isEmpty();
            assertThat(health.headers().firstValue("RateLimit-Policy")).isEmpty();
            assertThat(send("GET", "/api/generate").headers().firstValue("RateLimit"))
                    .as("other method")
                    .isEmpty();
        }
    }

    @Test
    void aForgedForwardedForFromAnUntrustedPeer_doesNotChangeTheKey() throws Exception {
        serve(RateLimitFilter.builder()
                .rule("*", "/api/*", limiter("api", Limit.perHour(3)))
                .trustedProxies("10.0.0.0/8")
                .build());
        for (int i = 0; i < 3; i++) {
            assertThat(send("GET", "/api/x", "X-Forwarded-For", "198.51.100." + i)
                            .statusCode())
                    .isEqualTo(200);
        }
        assertThat(send("GET", "/api/x", "X-Forwarded-For", "198.51.100.99").statusCode())
                .isEqualTo(429);
        assertThat(send("GET", "/api/x", "Forwarded", "for=198.51.100.98").statusCode())
                .isEqualTo(429);
    }

    @Test
    void aChainThroughTwoTrustedProxies_resolvesTheClient() throws Exception {
        serve(RateLimitFilter.builder()
                .rule("*", "/api/*", limiter("api", Limit.perHour(2)))
                .trustedProxies("127.0.0.0/8", "10.0.0.0/8")
                .build());
        String chain = "203.0.113.9, 10.0.0.2";
        assertThat(send("GET", "/api/x", "X-Forwarded-For", chain).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/api/x", "X-Forwarded-For", "6.6.6.6, " + chain).statusCode())
                .as("a spoofed left-most entry changes nothing")
                .isEqualTo(200);
        assertThat(send("GET", "/api/x", "X-Forwarded-For", chain).statusCode()).isEqualTo(429);
        assertThat(send("GET", "/api/x", "X-Forwarded-For", "198.51.100.1, 10.0.0.2")
                        .statusCode())
                .as("another client")
                .isEqualTo(200);
        assertThat(send("GET", "/api/x", "X-Forwarded-For", "203.0.113.9:51234, 10.0.0.2")
                        .statusCode())
                .as("the port is ignored")
                .isEqualTo(429);
        assertThat(send("GET", "/api/x", "X-Forwarded-For", "::ffff:203.0.113.9, 10.0.0.2")
                        .statusCode())
                .as("IPv4-mapped IPv6 is IPv4")
                .isEqualTo(429);
    }

    @Test
    void theForwardedHeader_isReadRightToLeftToo() throws Exception {
        serve(RateLimitFilter.builder()
                .rule("*", "/api/*", limiter("api", Limit.perHour(1)))
                .trustedProxies("127.0.0.0/8", "10.0.0.0/8")
                .forwardedHeader(ForwardedHeader.FORWARDED)
                .build());
        String forwarded = "for=192.0.2.60;proto=http;by=203.0.113.43, for=\"[2001:db8:cafe::17]:4711\", for=10.0.0.5";
        assertThat(send("GET", "/api/x", "Forwarded", forwarded).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/api/x", "Forwarded", "for=\"[2001:db8:cafe::99%eth0]\", for=10.0.0.5")
                        .statusCode())
                .as("the same /64, with a zone id")
                .isEqualTo(429);
        assertThat(send("GET", "/api/x", "Forwarded", "for=192.0.2.60").statusCode())
                .isEqualTo(200);
    }

    /** Records the client address the filter resolved for each request, and keys on it. */
    private static final class Addresses implements KeyResolver {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @Override
        public String key(HttpServletRequest request, String clientAddress) {
            seen.add(clientAddress);
            return null;
        }
    }

    @Test
    void theKeyCountedAgainst_isLeftInARequestAttribute() throws Exception {
        serve(RateLimitFilter.builder()
                .rule("*", "/api/*", limiter("api", Limit.perHour(100)))
                .trustedProxies("127.0.0.1/32")
                .keyResolver(KeyResolver.header("X-Api-Key"))
                .build());
        assertThat(send("GET", "/api/x", "X-Forwarded-For", "203.0.113.99").body())
                .isEqualTo("ok /api/x key=203.0.113.99");
        assertThat(send("GET", "/api/x", "X-Api-Key", "k-1").body()).isEqualTo("ok /api/x key=header:k-1");
        assertThat(send("GET", "/other").body()).as("no rule matched: no key").isEqualTo("ok /other");
    }

    @Test
    void xForwardedForMode_keysOnTheAddressTheProxyAppended_andIgnoresTheClientsForwarded() throws Exception {
        Addresses addresses = new Addresses();
        serve(RateLimitFilter.builder()
                .rule("*", "/api/*", limiter("api", Limit.perHour(100)))
                .trustedProxies("127.0.0.1/32")
                .keyResolver(addresses)
                .build());
        for (int n = 1; n <= 3; n++) {
            assertThat(send("GET", "/api/x", "X-Forwarded-For", "203.0.113.99", "Forwarded", "for=100.64.0." + n)
                            .statusCode())
                    .isEqualTo(200);
        }
        assertThat(send("GET", "/api/x", "Forwarded", "for=100.64.0.9").statusCode())
                .isEqualTo(200);
        assertThat(addresses.seen).containsExactly("203.0.113.99", "203.0.113.99", "203.0.113.99", "127.0.0.1");
    }

    @Test
    void forwardedMode_keysOnTheAddressTheProxyAppended_andIgnoresTheClientsXForwardedFor() throws Exception {
        Addresses addresses = new Addresses();
        serve(RateLimitFilter.builder()
                .rule("*", "/api/*", limiter("api", Limit.perHour(100)))
                .trustedProxies("127.0.0.1/32")
                .forwardedHeader(ForwardedHeader.FORWARDED)
                .keyResolver(addresses)
                .build());
        for (int n = 1; n <= 3; n++) {
            assertThat(send(
                                    "GET",
                                    "/api/x",
                                    "Forwarded",
                                    "for=100.64.0." + n + ", for=203.0.113.99",
                                    "X-Forwarded-For",
                                    "100.64.1." + n)
                            .statusCode())
                    .isEqualTo(200);
        }
        assertThat(send(
                                "GET",
                                "/api/x",
                                "Forwarded",
                                "for=100.64.0.4",
                                "Forwarded",
                                "for=\"[2001:db8::99]:4711\"",
                                "X-Forwarded-For",
                                "100.64.1.4")
                        .statusCode())
                .as("the proxy's own header line")
                .isEqualTo(200);
        assertThat(send("GET", "/api/x", "X-Forwarded-For", "100.64.1.5").statusCode())
                .isEqualTo(200);
        assertThat(addresses.seen)
                .containsExactly(
                        "203.0.113.99", "203.0.113.99", "203.0.113.99", "2001:db8:0:0:0:0:0:0/64", "127.0.0.1");
    }

    @Test
    void aRotatingForgedForwardedHeader_admitsExactlyTheLimit() throws Exception {
        serve(RateLimitFilter.builder()
                .rule("POST", "/api/generate", limiter("generate", Limit.perHour(5)))
                .trustedProxies("127.0.0.1/32")
                .build());
        int admitted = 0;
        for (int n = 1; n <= 50; n++) {
            int status = send(
                            "POST",
                            "/api/generate",
                            "X-Forwarded-For",
                            "203.0.113.99",
                            "Forwarded",
                            "for=100.64.0." + n)
                    .statusCode();
            assertThat(status).isIn(200, 429);
            admitted += status == 200 ? 1 : 0;
        }
        assertThat(admitted).isEqualTo(5);
        assertThat(send("POST", "/api/generate", "X-Forwarded-For", "203.0.113.100")
                        .statusCode())
                .as("another client still has its quota")
                .isEqualTo(200);
    }

    @Test
    void aRotatingForgedXForwardedFor_admitsExactlyTheLimit_inForwardedMode() throws Exception {
        serve(RateLimitFilter.builder()
                .rule("POST", "/api/generate", limiter("generate", Limit.perHour(5)))
                .trustedProxies("127.0.0.1/32")
                .forwardedHeader(ForwardedHeader.FORWARDED)
                .build());
        int admitted = 0;
        for (int n = 1; n <= 50; n++) {
            int status = send(
                            "POST",
                            "/api/generate",
                            "Forwarded",
                            "for=203.0.113.99",
                            "X-Forwarded-For",
                            "100.64.0." + n)
                    .statusCode();
            assertThat(status).isIn(200, 429);
            admitted += status == 200 ? 1 : 0;
        }
        assertThat(admitted).isEqualTo(5);
    }

    @Test
    void aThousandIpv6AddressesInOne64_shareOneLimit_andAnother64DoesNot() throws Exception {
        serve(RateLimitFilter.builder()
                .rule("*", "/api/*", limiter("api", Limit.perHour(1000)))
                .trustedProxies("127.0.0.1/32")
                .build());
        for (int i = 0; i < 1000; i++) {
            String address = "2001:db8:aaaa:1:" + Integer.toHexString(i) + ":" + Integer.toHexString(i * 7) + "::1";
            assertThat(send("GET", "/api/x", "X-Forwarded-For", address).statusCode())
                    .as("request %d", i)
                    .isEqualTo(200);
        }
        assertThat(send("GET", "/api/x", "X-Forwarded-For", "2001:db8:aaaa:1:ffff::2")
                        .statusCode())
                .isEqualTo(429);
        assertThat(send("GET", "/api/x", "X-Forwarded-For", "2001:db8:aaaa:2::1")
                        .statusCode())
                .isEqualTo(200);
    }

    @Test
    void anIpv6Peer_isKeyedByIts64() throws Exception {
        RateLimiter limiter = limiter("api", Limit.perHour(1));
        serve(RateLimitFilter.builder().rule("*", "/api/*", limiter).build());
        assertThat(sendTo("[::1]", "GET", "/api/x").statusCode()).isEqualTo(200);
        assertThat(sendTo("[::1]", "GET", "/api/x").statusCode()).isEqualTo(429);
        assertThat(limiter.peek("0:0:0:0:0:0:0:0/64", 0).remaining()).isZero();
        assertThat(send("GET", "/api/x").statusCode())
                .as("127.0.0.1 is another client")
                .isEqualTo(200);
    }

    @Test
    void malformedForwardingHeaders_areIgnored_neverAnErrorPage() throws Exception {
        serve(RateLimitFilter.builder()
                .rule("*", "/api/*", limiter("api", Limit.perHour(100)))
                .trustedProxies("127.0.0.0/8")
                .build());
        for (String garbage : new String[] {
            "unknown",
            "<script>",
            "999.1.1.1",
            "1.2.3",
            "::g",
            "[::1",
            "_hidden",
            "300.300.300.300, ",
            ",,,",
            "a".repeat(500),
            "localhost"
        }) {
            HttpResponse<String> r = send("GET", "/api/x", "X-Forwarded-For", garbage);
            assertThat(r.statusCode()).as(garbage).isEqualTo(200);
            assertThat(send("GET", "/api/x", "Forwarded", "for=" + garbage).statusCode())
                    .as(garbage)
                    .isEqualTo(200);
        }
    }

    @Test
    void dryRun_neverBlocks_butReports() throws Exception {
        serve(RateLimitFilter.builder()
                .rule("POST", "/api/generate", limiter("generate", Limit.perHour(2)))
                .dryRun(true)
                .build());
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = send("POST", "/api/generate");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("RateLimit"))
                    .hasValue("\"generate\";r=" + Math.max(0, 1 - i) + ";t=1800");
        }
    }

    @Test
    void webXmlInitParams_configureTheFilter() throws Exception {
        container = container()
                .startWithInitParams(Map.of(
                        "rules",
                                "POST /api/generate = 2/1h\n  # comments and blank lines are fine\n\n"
                                        + "search: GET /api/search/* = 100/1m sliding, 1/10s token-bucket",
                        "headers", "legacy",
                        "trusted-proxies", "127.0.0.0/8"));
        assertThat(send("POST", "/api/generate").headers().firstValue("X-RateLimit-Remaining"))
                .hasValue("1");
        assertThat(send("POST", "/api/generate").statusCode()).isEqualTo(200);
        HttpResponse<String> denied = send("POST", "/api/generate");
        assertThat(denied.statusCode()).isEqualTo(429);
        assertThat(denied.headers().firstValue("X-RateLimit-Limit")).hasValue("2");
        assertThat(denied.body()).contains("Max 2 requests per 60 minutes");
        assertThat(send("GET", "/api/search/q", "X-Forwarded-For", "203.0.113.1")
                        .statusCode())
                .isEqualTo(200);
        HttpResponse<String> search = send("GET", "/api/search/q", "X-Forwarded-For", "203.0.113.1");
        assertThat(search.statusCode()).isEqualTo(429);
        assertThat(search.body()).contains("Max 1 request per 10 seconds");
        assertThat(send("GET", "/api/search/q", "X-Forwarded-For", "203.0.113.2")
                        .statusCode())
                .isEqualTo(200);
    }

    @Test
    void webXml_forwardedHeaderParam_choosesForwarded() throws Exception {
        container = container()
                .startWithInitParams(Map.of(
                        "rules", "GET /api/* = 1/1h",
                        "trusted-proxies", "127.0.0.0/8",
                        "forwarded-header", "forwarded"));
        assertThat(send(
                                "GET",
                                "/api/x",
                                "Forwarded",
                                "for=100.64.0.1, for=203.0.113.99",
                                "X-Forwarded-For",
                                "100.64.0.1")
                        .statusCode())
                .isEqualTo(200);
        assertThat(send(
                                "GET",
                                "/api/x",
                                "Forwarded",
                                "for=100.64.0.2, for=203.0.113.99",
                                "X-Forwarded-For",
                                "100.64.0.2")
                        .statusCode())
                .as("the same client, whatever it forges")
                .isEqualTo(429);
        assertThat(send("GET", "/api/x", "Forwarded", "for=203.0.113.100", "X-Forwarded-For", "203.0.113.99")
                        .statusCode())
                .as("another client")
                .isEqualTo(200);
    }

    @Test
    void anApiKeyHeader_isTheKey_andRequestsWithoutOneCountAgainstTheirAddress() throws Exception {
        serve(RateLimitFilter.builder()
                .rule("*", "/api/*", limiter("api", Limit.perHour(1)))
                .keyResolver(KeyResolver.header("X-Api-Key"))
                .build());
        assertThat(send("GET", "/api/x", "X-Api-Key", "alice").statusCode()).isEqualTo(200);
        assertThat(send("GET", "/api/x", "X-Api-Key", "alice").statusCode()).isEqualTo(429);
        assertThat(send("GET", "/api/x", "X-Api-Key", "bob").statusCode()).isEqualTo(200);
        assertThat(send("GET", "/api/x").statusCode()).isEqualTo(200);
        assertThat(send("GET", "/api/x").statusCode()).isEqualTo(429);
    }

    @Test
    void exemptClients_areNeverLimited() throws Exception {
        serve(RateLimitFilter.builder()
                .rule("*", "/*", limiter("all", Limit.perHour(1)))
                .exempt("127.0.0.0/8")
                .build());
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = send("GET", "/anything");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("RateLimit")).isEmpty();
        }
    }

    /** A backend that is down. */
    private static final class DownBackend implements RateLimitBackend {
        @Override
        public CompletionStage<Decision> evaluate(String key, Policy policy, long permits) {
            return CompletableFuture.failedFuture(new IllegalStateException("connection refused"));
        }

        @Override
        public CompletionStage<Decision> peek(String key, Policy policy, long permits) {
            return evaluate(key, policy, permits);
        }

        @Override
        public CompletionStage<Void> reset(String key, Policy policy) {
            return CompletableFuture.failedFuture(new IllegalStateException("connection refused"));
        }

        @Override
        public String name() {
            return "down";
        }
    }

    @Test
    void aFailingBackend_isTheFailurePolicysCall_neverA500() throws Exception {
        Policy policy = Policy.of("generate", Limit.perHour(5));
        RateLimiter open =
                RateLimiter.builder().policy(policy).backend(new DownBackend()).build();
        RateLimiter closed = RateLimiter.builder()
                .policy(policy)
                .backend(new DownBackend())
                .failurePolicy(FailurePolicy.FAIL_CLOSED)
                .build();
        serve(RateLimitFilter.builder()
                .rule("GET", "/open", open)
                .rule("GET", "/closed", closed)
                .build());
        assertThat(send("GET", "/open").statusCode()).isEqualTo(200);
        HttpResponse<String> denied = send("GET", "/closed");
        assertThat(denied.statusCode()).isEqualTo(429);
        assertThat(denied.headers().firstValue("Retry-After")).hasValue("1");
    }
}
