package dev.ratelimit.upstash;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.testkit.redis.UpstashExtension;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Regression: {@code HttpClient.sendAsync} hands every answer on to {@code CompletableFuture}'s
 * default executor, which, with fewer than three processors (the machines this library is often
 * deployed on, and CI), starts a new thread for each — a thread per request. Requests now wait on
 * a pool of sender threads, one per request in flight at most. (On a machine of more processors the default executor is the common
 * pool, and this test could not tell the two apart.)
 */
class UpstashThreadsTest {

    @RegisterExtension
    static final UpstashExtension upstash = new UpstashExtension();

    @Test
    void twoHundredRequestsOneAfterAnother_areAnsweredOnAFewThreads() throws Exception {
        UpstashConnection connection = UpstashConnection.open(
                UpstashConfig.builder(upstash.server().url(), upstash.server().token())
                        .maxConcurrentRequests(4)
                        .build());
        try {
            Set<String> answeredOn = new HashSet<>();
            for (int i = 0; i < 200; i++) {
                String thread = connection
                        .execute(List.of("PING"))
                        .thenApply(
                                pong -> pong + " on " + Thread.currentThread().getName())
                        .get(10, TimeUnit.SECONDS);
                assertThat(thread).startsWith("PONG on ");
                answeredOn.add(thread);
            }
            assertThat(answeredOn)
                    .as("the threads 200 answers were handed to: the 4 senders, and this one")
                    .hasSizeLessThanOrEqualTo(5);
        } finally {
            connection.close();
        }
    }

    /**
     * Closing while a request is in flight lets it finish: on Java 17 an answer the HTTP client
     * cannot hand to its stopped executor is never delivered, and its caller would wait for ever.
     */
    @Test
    void closeWhileARequestIsInFlight_letsItFinish() throws Exception {
        UpstashConnection connection = UpstashConnection.open(
                UpstashConfig.builder(upstash.server().url(), upstash.server().token())
                        .requestTimeout(Duration.ofSeconds(5))
                        .build());
        assertThat(connection.execute(List.of("PING")).get(10, TimeUnit.SECONDS))
                .isEqualTo("PONG"); // after the connection's own first PING: nothing else is sent
        upstash.server().latency(Duration.ofMillis(300));
        try {
            long received = upstash.server().requests();
            CompletableFuture<Object> pong = connection.execute(List.of("PING"));
            // Closed once the request is at the server: in flight, no longer queued.
            ServerRequests.awaitMoreThan(upstash.server(), received);
            connection.close();
            assertThat(pong.get(10, TimeUnit.SECONDS)).isEqualTo("PONG");
        } finally {
            upstash.server().latency(Duration.ZERO);
        }
    }
}
