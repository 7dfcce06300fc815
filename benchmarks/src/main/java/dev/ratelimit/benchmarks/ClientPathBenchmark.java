package dev.ratelimit.benchmarks;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimitBackend;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.spi.Script;
import dev.ratelimit.spi.ScriptTransport;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The client work the library adds to a Redis decision, without the network: an asynchronous
 * decision through the limiter and the scripted backend over a transport whose answer is still
 * pending when the call returns (as a Redis answer is) and is then completed on the same thread
 * with the reply Redis gives the token-bucket script. {@code bare} is what a bare client does in
 * its place: a pending future, completed with the same reply, one callback — so the difference
 * is the layer: keys and arguments, the breaker, the deadline, the stages, the reply decoded. The
 * deadline sweeper's work on its own thread is not in the figure (about 1.5–2% of the client's CPU at
 * 64 Redis callers, by {@code ThreadMXBean}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class ClientPathBenchmark {

    /** The reply of the token-bucket script to an admitted request: allowed, remaining, reset, retry. */
    private static final List<Object> REPLY = List.of(1L, 9_999_999L, 3_162_240L, 0L);

    /** A transport that answers later: each call's future is completed by the benchmark after it returns. */
    static final class LaterTransport implements ScriptTransport {
        CompletableFuture<Object> pending;

        @Override
        public CompletionStage<Object> evalSha(Script script, String[] keys, String[] args) {
            pending = new CompletableFuture<>();
            return pending;
        }

        @Override
        public CompletionStage<Object> evalSource(Script script, String[] keys, String[] args) {
            return evalSha(script, keys, args);
        }

        @Override
        public String name() {
            return "later";
        }

        @Override
        public String describe() {
            return "later";
        }

        @Override
        public void awaitConnection(Duration timeout) {}

        @Override
        public void close() {}
    }

    /** The limiter over the transport. */
    @State(Scope.Thread)
    public static class Path {
        LaterTransport transport;
        RateLimiter limiter;

        @Setup(Level.Trial)
        public void setUp() {
            transport = new LaterTransport();
            limiter = RateLimiter.builder()
                    .policy(Policy.of(
                            "bench", Limit.of(10_000_000L, Duration.ofDays(366)).tokenBucket()))
                    .backend(RateLimitBackend.scripted(transport).build())
                    .blockCache(0)
                    .build();
            // What is measured must be the path to the backend and back, not the failure policy's.
            Decision first = decide(this);
            if (first == null || first.source() != Decision.Source.BACKEND || !first.allowed()) {
                throw new IllegalStateException("the benchmark's decision did not come from the backend: " + first);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            limiter.close();
        }
    }

    @Benchmark
    public Decision ratelimit(Path path) {
        return decide(path);
    }

    private static Decision decide(Path path) {
        CompletableFuture<Decision> decision =
                path.limiter.tryAcquireAsync("hot", 1).toCompletableFuture();
        path.transport.pending.complete(REPLY);
        return decision.getNow(null);
    }

    @Benchmark
    public Object bare() {
        CompletableFuture<Object> pending = new CompletableFuture<>();
        CompletableFuture<Object> answer = pending.thenApply(reply -> reply);
        pending.complete(REPLY);
        return answer.getNow(null);
    }
}
