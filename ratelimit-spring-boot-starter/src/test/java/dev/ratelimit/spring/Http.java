package dev.ratelimit.spring;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A real HTTP client of the application under test. */
final class Http {

    /**
     * One client per server. A request to Netty that now and then never got its answer (the server
     * idle, the client waiting), first seen with one client shared by the Tomcat and the Netty
     * applications and later with a client per server too, matches reactor-netty#4361: a
     * keep-alive request that arrives before the last one's operations end can leave the
     * connection unread. The module's surefire configuration sets the stopgap from that report.
     */
    private static final Map<Integer, HttpClient> CLIENTS = new ConcurrentHashMap<>();

    private final int port;
    private final HttpClient client;

    Http(int port) {
        this.port = port;
        this.client = CLIENTS.computeIfAbsent(
                port,
                p -> HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .build());
    }

    /** Sends a request with header name/value pairs. */
    HttpResponse<String> send(String method, String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, HttpRequest.BodyPublishers.noBody())
                // A request never answered fails the test rather than hang the suite.
                .timeout(Duration.ofSeconds(30));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A request from {@code client}, through the trusted proxy the tests are. */
    HttpResponse<String> from(String client, String method, String path, String... headers) throws Exception {
        String[] all = new String[headers.length + 2];
        all[0] = "X-Forwarded-For";
        all[1] = client;
        System.arraycopy(headers, 0, all, 2, headers.length);
        return send(method, path, all);
    }
}
