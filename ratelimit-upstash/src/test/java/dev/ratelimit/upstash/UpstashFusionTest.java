package dev.ratelimit.upstash;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimitBackend;
import dev.ratelimit.testkit.redis.UpstashExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A batch's calls of one script go out as one fused {@code EVALSHA}: counted by the Redis behind the server. */
class UpstashFusionTest {

    @RegisterExtension
    static final UpstashExtension upstash = new UpstashExtension();

    private static final Policy POLICY = Policy.of("fusion", Limit.perHour(10).tokenBucket());
    private static final Pattern EVALSHA_CALLS = Pattern.compile("cmdstat_evalsha:calls=(\\d+)");

    @Test
    void aBatchOfOneScript_isOneCommand_andDecidesEachCallInTurn() throws Exception {
        try (UpstashConnection connection = open()) {
            RateLimitBackend backend = warm(connection);
            String key = "fused-" + UUID.randomUUID();
            long before = evalShas(connection);
            List<CompletableFuture<Decision>> decisions = batch(connection, () -> evaluations(backend, key, 30));
            for (int i = 0; i < 30; i++) {
                Decision d = decisions.get(i).get(10, TimeUnit.SECONDS);
                assertThat(d.allowed()).as("call %d", i).isEqualTo(i < 10);
                assertThat(d.remaining()).as("call %d", i).isEqualTo(Math.max(0, 9 - i));
            }
            assertThat(evalShas(connection) - before).as("EVALSHA commands").isEqualTo(1);
        }
    }

    @Test
    void onlyConsecutiveCallsFuse_soNoCallOvertakesAnother() throws Exception {
        try (UpstashConnection connection = open()) {
            RateLimitBackend backend = warm(connection);
            String key = "ordered-" + UUID.randomUUID();
            List<CompletableFuture<?>> reset = new ArrayList<>();
            List<CompletableFuture<Decision>> decisions = batch(connection, () -> {
                List<CompletableFuture<Decision>> calls = new ArrayList<>();
                calls.add(backend.evaluate(key, POLICY, 1).toCompletableFuture());
                calls.add(backend.evaluate(key, POLICY, 1).toCompletableFuture());
                reset.add(backend.reset(key, POLICY).toCompletableFuture());
                calls.add(backend.evaluate(key, POLICY, 1).toCompletableFuture());
                return calls;
            });
            reset.get(0).get(10, TimeUnit.SECONDS);
            assertThat(decisions.get(0).get(10, TimeUnit.SECONDS).remaining()).isEqualTo(9);
            assertThat(decisions.get(1).get(10, TimeUnit.SECONDS).remaining()).isEqualTo(8);
            assertThat(decisions.get(2).get(10, TimeUnit.SECONDS).remaining())
                    .as("the call made after the reset decides after it")
                    .isEqualTo(9);
        }
    }

    @Test
    void aFailingCallInAFusedBatch_failsOnlyItsCaller() throws Exception {
        try (UpstashConnection connection = open()) {
            RateLimitBackend backend = warm(connection);
            String bad = "hash-" + UUID.randomUUID();
            // The key's state in Redis, whatever its name, becomes a hash: its script's GET fails.
            backend.evaluate(bad, POLICY, 1).toCompletableFuture().get(10, TimeUnit.SECONDS);
            List<?> stored = (List<?>)
                    connection.execute(List.of("KEYS", "*" + bad + "*")).get(5, TimeUnit.SECONDS);
            assertThat(stored).hasSize(1);
            String redisKey = String.valueOf(stored.get(0));
            connection.execute(List.of("DEL", redisKey)).get(5, TimeUnit.SECONDS);
            connection.execute(List.of("HSET", redisKey, "f", "v")).get(5, TimeUnit.SECONDS);
            long before = evalShas(connection);
            List<CompletableFuture<Decision>> decisions = batch(
                    connection,
                    () -> List.of(
                            backend.evaluate("good-a-" + UUID.randomUUID(), POLICY, 1)
                                    .toCompletableFuture(),
                            backend.evaluate(bad, POLICY, 1).toCompletableFuture(),
                            backend.evaluate("good-b-" + UUID.randomUUID(), POLICY, 1)
                                    .toCompletableFuture()));
            assertThat(decisions.get(0).get(10, TimeUnit.SECONDS).remaining()).isEqualTo(9);
            assertThat(decisions.get(2).get(10, TimeUnit.SECONDS).remaining()).isEqualTo(9);
            try {
                decisions.get(1).get(10, TimeUnit.SECONDS);
                throw new AssertionError("the call on a hash succeeded");
            } catch (ExecutionException e) {
                assertThat(messages(e)).contains("WRONGTYPE");
            }
            assertThat(evalShas(connection) - before).as("EVALSHA commands").isEqualTo(1);
        }
    }

    @Test
    void afterAScriptFlush_eachCallFallsBackAlone_thenBatchesFuseAgain() throws Exception {
        try (UpstashConnection connection = open()) {
            RateLimitBackend backend = warm(connection);
            String key = "flushed-" + UUID.randomUUID();
            upstash.server().flushScripts();
            assertRemaining(batch(connection, () -> evaluations(backend, key, 5)), 9);
            long before = evalShas(connection);
            assertRemaining(batch(connection, () -> evaluations(backend, key, 5)), 4);
            assertThat(evalShas(connection) - before).as("EVALSHA commands").isEqualTo(1);
        }
    }

    @Test
    void aFusedCommandRefusedAsAWhole_isSentAgainAsItsCalls_andTheScriptNoLongerFuses() throws Exception {
        try (UpstashConnection connection = open()) {
            RateLimitBackend backend = warm(connection);
            String key = "refused-" + UUID.randomUUID();
            // One call's EVALSHA has 6 arguments (the SHA, the key count, a key, 3 script
            // arguments); five calls fused have 33.
            upstash.server().maxArguments(12);
            try {
                long before = evalShas(connection);
                assertRemaining(batch(connection, () -> evaluations(backend, key, 5)), 9);
                assertThat(evalShas(connection) - before)
                        .as("EVALSHA commands that reached Redis: the five calls, one by one")
                        .isEqualTo(5);
                long after = evalShas(connection);
                long alone = upstash.server().singleRequests("EVALSHA");
                assertRemaining(batch(connection, () -> evaluations(backend, key, 5)), 4);
                assertThat(evalShas(connection) - after).isEqualTo(5);
                assertThat(upstash.server().singleRequests("EVALSHA") - alone)
                        .as("no fused command sent (it would go alone, before the pipeline of five)")
                        .isZero();
            } finally {
                upstash.server().maxArguments(0);
            }
        }
    }

    private static UpstashConnection open() {
        return UpstashConnection.open(
                UpstashConfig.builder(upstash.server().url(), upstash.server().token())
                        .maxConcurrentRequests(1)
                        .build());
    }

    /**
     * The backend, once its first decision and a reset are in: the scripts (the reset's too, so
     * that it needs no {@code NOSCRIPT} retry later) and the fused forms are loaded.
     */
    private static RateLimitBackend warm(UpstashConnection connection) throws Exception {
        RateLimitBackend backend = connection.rateLimitBackend();
        String key = "warm-" + UUID.randomUUID();
        backend.evaluate(key, POLICY, 1).toCompletableFuture().get(10, TimeUnit.SECONDS);
        backend.reset(key, POLICY).toCompletableFuture().get(10, TimeUnit.SECONDS);
        return backend;
    }

    private static List<CompletableFuture<Decision>> evaluations(RateLimitBackend backend, String key, int n) {
        List<CompletableFuture<Decision>> calls = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            calls.add(backend.evaluate(key, POLICY, 1).toCompletableFuture());
        }
        return calls;
    }

    /**
     * The calls {@code make} makes, queued while one request (a {@code PING} the server holds for
     * 300 ms) is in flight, so that they go out together in the next one.
     */
    private static List<CompletableFuture<Decision>> batch(
            UpstashConnection connection, java.util.function.Supplier<List<CompletableFuture<Decision>>> make)
            throws Exception {
        upstash.server().latency(Duration.ofMillis(300));
        try {
            long received = upstash.server().requests();
            CompletableFuture<Object> holder = connection.execute(List.of("PING"));
            // The calls are made once the holder is at the server, so that they queue behind it.
            ServerRequests.awaitMoreThan(upstash.server(), received);
            List<CompletableFuture<Decision>> calls = make.get();
            holder.get(10, TimeUnit.SECONDS);
            CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new))
                    .exceptionally(failure -> null)
                    .get(10, TimeUnit.SECONDS);
            return calls;
        } finally {
            upstash.server().latency(Duration.ZERO);
        }
    }

    /** Each call, in order, left one permit fewer than the one before, the first {@code first}. */
    private static void assertRemaining(List<CompletableFuture<Decision>> decisions, long first) throws Exception {
        for (int i = 0; i < decisions.size(); i++) {
            assertThat(decisions.get(i).get(10, TimeUnit.SECONDS).remaining())
                    .as("call %d", i)
                    .isEqualTo(first - i);
        }
    }

    private static long evalShas(UpstashConnection connection) throws Exception {
        String info = String.valueOf(
                connection.execute(List.of("INFO", "commandstats")).get(5, TimeUnit.SECONDS));
        Matcher m = EVALSHA_CALLS.matcher(info);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private static String messages(Throwable failure) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append('\n');
        }
        return all.toString();
    }
}
