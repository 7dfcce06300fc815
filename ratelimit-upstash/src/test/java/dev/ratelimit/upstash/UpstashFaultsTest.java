package dev.ratelimit.upstash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.Decision;
import dev.ratelimit.EmailStore;
import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimitBackend;
import dev.ratelimit.RateLimitListener;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.email.EmailStoreException;
import dev.ratelimit.testkit.redis.UpstashCompatibleServer;
import dev.ratelimit.testkit.redis.UpstashExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class UpstashFaultsTest {

    @RegisterExtension
    static final UpstashExtension upstash = new UpstashExtension();

    private static final Policy POLICY = Policy.of("faults", Limit.perHour(1000));

    private static UpstashConfig.Builder config() {
        return UpstashConfig.builder(upstash.server().url(), upstash.server().token());
    }

    private static UpstashException failure(CompletableFuture<?> future) throws Exception {
        try {
            future.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(UpstashException.class);
            return (UpstashException) e.getCause();
        }
        throw new AssertionError("expected a failure");
    }

    @Test
    void http5xx_isATransportFailure() throws Exception {
        try (UpstashConnection connection = UpstashConnection.open(config().build())) {
            RateLimitBackend backend = connection.rateLimitBackend();
            connection.awaitConnection(Duration.ofSeconds(5));
            // One decision first: the backend sends the policy's SCRIPT LOADs with its first
            // decision for it, and the failure is meant for a decision.
            backend.evaluate("k", POLICY, 1).toCompletableFuture().get(10, TimeUnit.SECONDS);
            upstash.server().failNext(1, 503);
            UpstashException e = failure(backend.evaluate("k", POLICY, 1).toCompletableFuture());
            assertThat(e.kind()).isEqualTo(UpstashException.Kind.TRANSPORT);
            assertThat(e).hasMessageContaining("HTTP 503");
            assertThat(backend.evaluate("k", POLICY, 1)
                            .toCompletableFuture()
                            .get()
                            .allowed())
                    .isTrue();
        }
    }

    /** Regression: two failed start-up requests made awaitConnection throw at once, though the server was healthy a moment later. */
    @Test
    void awaitConnection_keepsTryingUntilItsTimeout() {
        upstash.server().failNext(3, 503);
        try (UpstashConnection connection = UpstashConnection.open(config().build())) {
            connection.awaitConnection(Duration.ofSeconds(10));
            assertThat(upstash.server().requests())
                    .as("the failed requests and the one that answered")
                    .isGreaterThanOrEqualTo(4);
        }
    }

    @Test
    void aBodyThatIsNotJson_isATransportFailure() throws Exception {
        try (UpstashConnection connection = UpstashConnection.open(config().build())) {
            RateLimitBackend backend = connection.rateLimitBackend();
            upstash.server().nonJsonBodies(true);
            UpstashException e = failure(backend.evaluate("k", POLICY, 1).toCompletableFuture());
            assertThat(e.kind()).isEqualTo(UpstashException.Kind.TRANSPORT);
            assertThat(e).hasMessageContaining("not JSON");
        }
    }

    @Test
    void aDroppedConnection_isATransportFailure() throws Exception {
        try (UpstashConnection connection = UpstashConnection.open(config().build())) {
            RateLimitBackend backend = connection.rateLimitBackend();
            upstash.server().dropConnections(true);
            UpstashException e = failure(backend.evaluate("k", POLICY, 1).toCompletableFuture());
            assertThat(e.kind()).isEqualTo(UpstashException.Kind.TRANSPORT);
            upstash.server().dropConnections(false);
            assertThat(backend.evaluate("k", POLICY, 1)
                            .toCompletableFuture()
                            .get()
                            .source())
                    .isEqualTo(Decision.Source.BACKEND);
        }
    }

    @Test
    void latencyBeyondTheRequestTimeout_isATransportFailure_andTheLimiterAnswersAtItsDeadline() throws Exception {
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        try (UpstashConnection connection = UpstashConnection.open(
                config().requestTimeout(Duration.ofMillis(200)).build())) {
            RateLimitBackend backend = connection.rateLimitBackend();
            upstash.server().latency(Duration.ofMillis(600));
            UpstashException e = failure(backend.evaluate("k", POLICY, 1).toCompletableFuture());
            assertThat(e.kind()).isEqualTo(UpstashException.Kind.TRANSPORT);
            assertThat(e).hasMessageContaining("no answer within 200 ms");

            RateLimiter limiter = RateLimiter.builder()
                    .policy(POLICY)
                    .backend(backend)
                    .deadline(Duration.ofMillis(100))
                    .listener(new RateLimitListener() {
                        @Override
                        public void onBackendFailure(String name, Throwable failure) {
                            failures.add(failure);
                        }
                    })
                    .build();
            Decision d = limiter.tryAcquire("k");
            assertThat(d.source()).isEqualTo(Decision.Source.FAIL_OPEN);
            assertThat(failures).singleElement().isInstanceOf(TimeoutException.class);
        }
    }

    @Test
    void noscriptAfterAScriptFlush_isInvisibleToTheCaller() throws Exception {
        try (UpstashConnection connection = UpstashConnection.open(config().build())) {
            RateLimitBackend backend = connection.rateLimitBackend();
            String key = "flush-" + UUID.randomUUID();
            assertThat(backend.evaluate(key, POLICY, 1)
                            .toCompletableFuture()
                            .get()
                            .remaining())
                    .isEqualTo(999);
            upstash.server().flushScripts();
            assertThat(backend.evaluate(key, POLICY, 1)
                            .toCompletableFuture()
                            .get()
                            .remaining())
                    .isEqualTo(998);
            assertThat(backend.evaluate(key, POLICY, 1)
                            .toCompletableFuture()
                            .get()
                            .remaining())
                    .isEqualTo(997);
        }
    }

    @Test
    void aWrongToken_isAnAuthenticationError_thatNeverShowsAnyToken() throws Exception {
        String wrong = "wrong-" + UUID.randomUUID();
        PrintStream originalErr = System.err;
        PrintStream originalOut = System.out;
        ByteArrayOutputStream logs = new ByteArrayOutputStream();
        System.setErr(new PrintStream(logs, true, StandardCharsets.UTF_8));
        System.setOut(new PrintStream(logs, true, StandardCharsets.UTF_8));
        try {
            UpstashConfig config =
                    UpstashConfig.builder(upstash.server().url(), wrong).build();
            try (UpstashConnection connection = UpstashConnection.open(config)) {
                RateLimitBackend backend = connection.rateLimitBackend();
                EmailStore store = connection.emailStore();
                assertThatThrownBy(() -> connection.awaitConnection(Duration.ofSeconds(5)))
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("UPSTASH_REDIS_REST_TOKEN");
                UpstashException e = failure(backend.evaluate("k", POLICY, 1).toCompletableFuture());
                assertThat(e.kind()).isEqualTo(UpstashException.Kind.AUTHENTICATION);
                assertThat(e).hasMessageContaining("UPSTASH_REDIS_REST_TOKEN");
                RateLimiter limiter =
                        RateLimiter.builder().policy(POLICY).backend(backend).build();
                assertThat(limiter.tryAcquire("k").source()).isEqualTo(Decision.Source.FAIL_OPEN);
                assertThatThrownBy(() -> store.add("someone@example.com"))
                        .isInstanceOf(EmailStoreException.class)
                        .hasMessageContaining("UPSTASH_REDIS_REST_TOKEN");
                List<String> texts = new ArrayList<>(List.of(
                        e.toString(), config.toString(), backend.toString(), store.toString(), connection.toString()));
                for (Throwable t = e; t != null; t = t.getCause()) {
                    texts.add(String.valueOf(t.getMessage()));
                }
                for (String text : texts) {
                    assertThat(text)
                            .doesNotContain(wrong)
                            .doesNotContain(upstash.server().token());
                }
            }
        } finally {
            System.setErr(originalErr);
            System.setOut(originalOut);
        }
        String logged = logs.toString(StandardCharsets.UTF_8);
        assertThat(logged).doesNotContain(wrong).doesNotContain(upstash.server().token());
    }

    @Test
    void oneFailedItem_failsOnlyItsCaller() throws Exception {
        // The first request is held long enough for the next two calls to queue behind it, even on a
        // busy machine.
        upstash.server().latency(Duration.ofMillis(500));
        try (UpstashConnection client =
                UpstashConnection.open(config().maxConcurrentRequests(1).build())) {
            client.awaitConnection(Duration.ofSeconds(5));
            String key = "typed-" + UUID.randomUUID();
            client.execute(List.of("SET", key, "not a number")).get(5, TimeUnit.SECONDS);
            UpstashCompatibleServer server = upstash.server();
            long pipelines = server.pipelineRequests();
            long incrAlone = server.singleRequests("INCR");
            long getAlone = server.singleRequests("GET");
            // The holder goes out alone, or with the next two when they are made while the SET's
            // answer is being completed (the batcher then holds the queue): either way the failing
            // and the good call share one pipeline.
            CompletableFuture<Object> holder = client.execute(List.of("PING"));
            CompletableFuture<Object> bad = client.execute(List.of("INCR", key));
            CompletableFuture<Object> good = client.execute(List.of("GET", key));
            assertThat(holder.get(5, TimeUnit.SECONDS)).isEqualTo("PONG");
            UpstashException e = failure(bad);
            assertThat(e.kind()).isEqualTo(UpstashException.Kind.COMMAND);
            assertThat(e).hasMessageContaining("not an integer");
            assertThat(good.get(5, TimeUnit.SECONDS)).isEqualTo("not a number");
            assertThat(server.singleRequests("INCR") - incrAlone)
                    .as("INCR sent alone")
                    .isZero();
            assertThat(server.singleRequests("GET") - getAlone)
                    .as("GET sent alone")
                    .isZero();
            assertThat(server.pipelineRequests() - pipelines)
                    .as("the failing and the good call shared one pipeline")
                    .isEqualTo(1);
        }
    }

    @Test
    void concurrentCalls_shareRequests() throws Exception {
        // Requests are held long enough for all 200 calls to queue, even on a busy machine.
        upstash.server().latency(Duration.ofMillis(300));
        try (UpstashConnection connection =
                UpstashConnection.open(config().maxConcurrentRequests(4).build())) {
            RateLimitBackend backend = connection.rateLimitBackend();
            connection.awaitConnection(Duration.ofSeconds(5));
            long before = upstash.server().requests();
            List<CompletableFuture<Decision>> decisions = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                decisions.add(backend.evaluate("batch-" + (i % 7), POLICY, 1).toCompletableFuture());
            }
            for (CompletableFuture<Decision> d : decisions) {
                assertThat(d.get(10, TimeUnit.SECONDS).allowed()).isTrue();
            }
            long requests = upstash.server().requests() - before;
            assertThat(requests).isLessThanOrEqualTo(4 + 200 / 100 + 4);
        }
    }

    @Test
    void batchingOff_sendsEveryCallAlone() throws Exception {
        try (UpstashConnection connection =
                UpstashConnection.open(config().batching(false).build())) {
            RateLimitBackend backend = connection.rateLimitBackend();
            connection.awaitConnection(Duration.ofSeconds(5));
            // One decision first: the script is in the server's cache, so no NOSCRIPT retry follows.
            backend.evaluate("alone-warm-up", POLICY, 1).toCompletableFuture().get(10, TimeUnit.SECONDS);
            UpstashCompatibleServer server = upstash.server();
            long evalShas = server.singleRequests("EVALSHA");
            long pipelines = server.pipelineRequests();
            List<CompletableFuture<Decision>> decisions = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                decisions.add(backend.evaluate("alone-" + i, POLICY, 1).toCompletableFuture());
            }
            for (CompletableFuture<Decision> d : decisions) {
                d.get(10, TimeUnit.SECONDS);
            }
            // Counted by command, not by request: the PINGs and the SCRIPT LOAD the connection sends
            // in the background when it opens may arrive at any time.
            assertThat(server.singleRequests("EVALSHA") - evalShas).isEqualTo(50);
            assertThat(server.pipelineRequests() - pipelines).isZero();
        }
    }

    @Test
    void theStatusOk_isAcceptedPlainAndEncoded() throws Exception {
        try (UpstashConnection client = UpstashConnection.open(config().build())) {
            assertThat(client.execute(List.of("SET", "ok-plain", "v")).get(5, TimeUnit.SECONDS))
                    .isEqualTo("OK");
            upstash.server().encodeOkStatus(true);
            assertThat(client.execute(List.of("SET", "ok-encoded", "v")).get(5, TimeUnit.SECONDS))
                    .isEqualTo("OK");
            assertThat(client.execute(List.of("GET", "ok-encoded")).get(5, TimeUnit.SECONDS))
                    .isEqualTo("v");
            assertThat(client.execute(List.of("SET", "bulk-ok", "OK")).get(5, TimeUnit.SECONDS))
                    .isEqualTo("OK");
            assertThat(client.execute(List.of("GET", "bulk-ok")).get(5, TimeUnit.SECONDS))
                    .as("a bulk OK, encoded")
                    .isEqualTo("OK");
            assertThat(client.execute(List.of("GET", "never-set-" + UUID.randomUUID()))
                            .get(5, TimeUnit.SECONDS))
                    .isNull();
        }
    }

    @Test
    void theCompatibleServer_acceptsTheTokenAsAQueryParameter_andRefusesOthers() throws Exception {
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest good = HttpRequest.newBuilder(URI.create(
                        upstash.server().url() + "/?_token=" + upstash.server().token()))
                .POST(HttpRequest.BodyPublishers.ofString("[\"PING\"]"))
                .build();
        HttpResponse<String> ok = http.send(good, HttpResponse.BodyHandlers.ofString());
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("{\"result\":\"PONG\"}");
        HttpRequest bad = HttpRequest.newBuilder(URI.create(upstash.server().url() + "/"))
                .header("Authorization", "Bearer nope")
                .POST(HttpRequest.BodyPublishers.ofString("[\"PING\"]"))
                .build();
        assertThat(http.send(bad, HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(401);
        HttpRequest failing = HttpRequest.newBuilder(URI.create(upstash.server().url() + "/"))
                .header("Authorization", "Bearer " + upstash.server().token())
                .POST(HttpRequest.BodyPublishers.ofString("[\"NOSUCHCOMMAND\"]"))
                .build();
        HttpResponse<String> error = http.send(failing, HttpResponse.BodyHandlers.ofString());
        assertThat(error.statusCode()).isEqualTo(400);
        assertThat(error.body()).startsWith("{\"error\":\"ERR unknown command");
        HttpRequest multi = HttpRequest.newBuilder(URI.create(upstash.server().url() + "/multi-exec"))
                .header("Authorization", "Bearer " + upstash.server().token())
                .POST(HttpRequest.BodyPublishers.ofString("[[\"SET\",\"tx\",\"1\"],[\"INCR\",\"tx\"]]"))
                .build();
        assertThat(http.send(multi, HttpResponse.BodyHandlers.ofString()).body())
                .isEqualTo("[{\"result\":\"OK\"},{\"result\":2}]");
    }
}
