package dev.ratelimit.benchmarks;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closed-loop asynchronous load: {@code callers} chains each keep one operation in flight, issuing
 * the next as soon as the last completes, for a fixed time. No thread per caller, so the figures are
 * those of the library and the server, not of a thread scheduler on two cores.
 */
final class AsyncLoad {

    /** One operation; {@code caller} and {@code sequence} pick a key. */
    interface Operation {
        CompletionStage<?> start(int caller, long sequence);
    }

    /** Called on the calling thread when the measured time begins and when it ends. */
    interface Window {
        void opened();

        void closed();
    }

    private static final Window NONE = new Window() {
        @Override
        public void opened() {}

        @Override
        public void closed() {}
    };

    private AsyncLoad() {}

    static Load.Result run(int callers, Duration warmup, Duration measure, Operation operation)
            throws InterruptedException {
        return run(callers, warmup, measure, operation, NONE);
    }

    static Load.Result run(int callers, Duration warmup, Duration measure, Operation operation, Window window)
            throws InterruptedException {
        long warmupEnd = System.nanoTime() + warmup.toNanos();
        long end = warmupEnd + measure.toNanos();
        Chain[] chains = new Chain[callers];
        CountDownLatch done = new CountDownLatch(callers);
        AtomicLong errors = new AtomicLong();
        for (int c = 0; c < callers; c++) {
            chains[c] = new Chain(c, operation, warmupEnd, end, done, errors);
        }
        for (Chain chain : chains) {
            chain.next();
        }
        sleepUntil(warmupEnd);
        window.opened();
        sleepUntil(end);
        window.closed();
        if (!done.await(warmup.plus(measure).toSeconds() + 60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("operations did not complete within a minute of the end");
        }
        int total = 0;
        long all = 0;
        for (Chain chain : chains) {
            total += chain.count;
            all += chain.sequence;
        }
        long[] nanos = new long[total];
        int at = 0;
        for (Chain chain : chains) {
            System.arraycopy(chain.samples, 0, nanos, at, chain.count);
            at += chain.count;
        }
        Arrays.sort(nanos);
        return new Load.Result(callers, total, all, errors.get(), measure.toNanos() / 1e9, nanos);
    }

    private static void sleepUntil(long nanos) throws InterruptedException {
        for (long left = nanos - System.nanoTime(); left > 0; left = nanos - System.nanoTime()) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    private static final class Chain {
        private final int caller;
        private final Operation operation;
        private final long warmupEnd;
        private final long end;
        private final CountDownLatch done;
        private final AtomicLong errors;
        long[] samples = new long[1 << 12];
        int count;
        long sequence;

        Chain(int caller, Operation operation, long warmupEnd, long end, CountDownLatch done, AtomicLong errors) {
            this.caller = caller;
            this.operation = operation;
            this.warmupEnd = warmupEnd;
            this.end = end;
            this.done = done;
            this.errors = errors;
        }

        void next() {
            long start = System.nanoTime();
            if (start >= end) {
                done.countDown();
                return;
            }
            CompletionStage<?> stage;
            try {
                stage = operation.start(caller, sequence++);
            } catch (RuntimeException e) {
                errors.incrementAndGet();
                done.countDown();
                return;
            }
            stage.whenComplete((result, failure) -> {
                long now = System.nanoTime();
                if (failure != null && start >= warmupEnd) {
                    errors.incrementAndGet();
                }
                if (start >= warmupEnd && now <= end) {
                    if (count == samples.length) {
                        samples = Arrays.copyOf(samples, count * 2);
                    }
                    samples[count++] = now - start;
                }
                next();
            });
        }
    }
}
