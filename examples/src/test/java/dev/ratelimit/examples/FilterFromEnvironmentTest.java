package dev.ratelimit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Regression: with {@code backend=environment}, the filter's {@code failure-policy} init-param was
 * ignored (a {@code fail-closed} filter failed open). Here Redis is configured but unreachable.
 */
class FilterFromEnvironmentTest {

    @ParameterizedTest
    @CsvSource({"fail-closed, 429", "fail-open, 200"})
    void theFailurePolicyInitParam_appliesToLimitersFromTheEnvironment(String failurePolicy, int status)
            throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (DemoProcess server = new DemoProcess(
                WebXmlFilterServer.class,
                "web.xml filter server listening",
                Map.of("REDIS_URL", "redis://127.0.0.1:" + closedPort),
                "rules=GET /x = 5/1h",
                "backend=environment",
                "failure-policy=" + failurePolicy)) {
            HttpClient http = HttpClient.newHttpClient();
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> response = http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/x"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).as(server.log()).isEqualTo(status);
            }
            assertThat(server.log())
                    .contains("rate limits for 'x': redis (redis://127.0.0.1:" + closedPort + ") -> "
                            + (status == 429 ? "the failure policy (FAIL_CLOSED)" : "memory (this JVM only)"));
        }
    }
}
