package dev.ratelimit.benchmarks;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.micrometer.RateLimitMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
 * What {@code ratelimit-micrometer} adds to a decision: the same in-memory limiter, one hot key,
 * with and without {@code RateLimitMetrics.listener()} (a timer looked up and recorded per
 * decision, in a {@code SimpleMeterRegistry}), side by side in one run.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class MetricsOverheadBenchmark {

    /** The two limiters. */
    @State(Scope.Benchmark)
    public static class Limiters {
        RateLimiter bare;
        RateLimiter metered;

        @Setup(Level.Trial)
        public void setUp() {
            Policy policy = Policy.of("bench", Limit.perSecond(1_000_000_000L));
            bare = RateLimiter.inMemory(policy);
            RateLimitMetrics metrics = RateLimitMetrics.of(new SimpleMeterRegistry());
            metered = RateLimiter.builder()
                    .policy(policy)
                    .listener(metrics.listener())
                    .build();
            metrics.bind(metered);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            bare.close();
            metered.close();
        }
    }

    @Benchmark
    public Decision bare(Limiters limiters) {
        return limiters.bare.tryAcquire("203.0.113.7");
    }

    @Benchmark
    public Decision withMetrics(Limiters limiters) {
        return limiters.metered.tryAcquire("203.0.113.7");
    }
}
