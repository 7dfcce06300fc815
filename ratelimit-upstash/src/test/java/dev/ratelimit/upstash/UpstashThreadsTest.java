package dev.ratelimit.upstash;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.testkit.redis.UpstashExtension;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Regression: {@code HttpClient.sendAsync} hands every answer on to {@code CompletableFuture}'s
 * default executor, which, with fewer than three processors (the machines this library is often
 * deployed on, and CI), starts a new thread for each — a thread per request. Requests now wait on
 * sender threads of their own. (On a machine of more processors the default executor is the common
 * pool, and this test could not tell the two apart.)
 */
class UpstashThreadsTest {

    @RegisterExtension
    static final UpstashExtension upstash = new UpstashExtension();

    @Test
    void twoHundredRequestsOneAfterAnother_areAnsweredOnAFewThreads() throws Exception {
        UpstashConnection connection = UpstashConnection.open(
                UpstashConfig.builder(upstash.server().url(), upstash.server().token())
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
            assertThat(answeredOn).as("the threads 200 answers were handed to").hasSizeLessThan(20);
        } finally {
            connection.close();
        }
    }
}
