package dev.ratelimit.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A closed-loop load generator for the harnesses: {@code callers} threads each call the operation
 * back to back for a fixed time, recording every latency; the result reports calls per second and
 * latency percentiles. Bounded in time by construction.
 */
final class Load {

    /** One call of the operation under load; {@code caller} and {@code sequence} pick a key. */
    interface Operation {
        void call(int caller, long sequence) throws Exception;
    }

    /** What one run measured. */
    /** {@code allCalls} includes the warm-up; the rest covers the measured time only. */
    record Result(int callers, long calls, long allCalls, long errors, double seconds, long[] sortedNanos) {

        double perSecond() {
            return calls / seconds;
        }

        double percentileMillis(double p) {
            if (sortedNanos.length == 0) {
                return Double.NaN;
            }
            int index = (int) Math.min(sortedNanos.length - 1, Math.ceil(p / 100.0 * sortedNanos.length) - 1);
            return sortedNanos[Math.max(0, index)] / 1e6;
        }

        double maxMillis() {
            return sortedNanos.length == 0 ? Double.NaN : sortedNanos[sortedNanos.length - 1] / 1e6;
        }
    }

    private Load() {
    }

    static Result run(int callers, Duration warmup, Duration measure, Operation operation) throws InterruptedException {
        long[][] samples = new long[callers][];
        int[] counts = new int[callers];
        AtomicLong errors = new AtomicLong();
        AtomicLong allCalls = new AtomicLong();
        long warmupEnd = System.nanoTime() + warmup.toNanos();
        long end = warmupEnd + measure.toNanos();
        CountDownLatch done = new CountDownLatch(callers);
        for (int c = 0; c < callers; c++) {
            final int caller = c;
            Thread t = new Thread(() -> {
                long[] mine = new long[1 << 16];
                int n = 0;
                long sequence = 0;
                try {
                    for (long now = System.nanoTime(); now < end; ) {
                        long start = now;
                        try {
                            operation.call(caller, sequence++);
                        } catch (Exception e) {
                            if (start >= warmupEnd) {
                                errors.incrementAndGet();
                            }
                        }
                        now = System.nanoTime();
                        if (start >= warmupEnd && now <= end) {
                            if (n == mine.length) {
                                mine = Arrays.copyOf(mine, n * 2);
                            }
                            mine[n++] = now - start;
                        }
                    }
                } finally {
                    allCalls.addAndGet(sequence);
                    samples[caller] = mine;
                    counts[caller] = n;
                    done.countDown();
                }
            }, "load-" + c);
            t.setDaemon(true);
            t.start();
        }
        done.await();
        long total = 0;
        for (int n : counts) {
            total += n;
        }
        long[] all = new long[(int) total];
        int at = 0;
        for (int c = 0; c < callers; c++) {
            System.arraycopy(samples[c], 0, all, at, counts[c]);
            at += counts[c];
        }
        Arrays.sort(all);
        return new Result(callers, total, allCalls.get(), errors.get(), measure.toNanos() / 1e9, all);
    }

    static String row(String name, Result r, String extra) {
        return String.format(java.util.Locale.ROOT, "| %s | %d | %,.0f | %.2f | %.2f | %.2f | %d |%s", name, r.callers(),
                r.perSecond(), r.percentileMillis(50), r.percentileMillis(99), r.maxMillis(), r.errors(),
                extra == null ? "" : " " + extra + " |");
    }

    static List<String> header(String extraColumn) {
        List<String> lines = new ArrayList<>();
        lines.add("| run | callers | decisions/s | p50 ms | p99 ms | max ms | errors |"
                + (extraColumn == null ? "" : " " + extraColumn + " |"));
        lines.add("| --- | ---: | ---: | ---: | ---: | ---: | ---: |" + (extraColumn == null ? "" : " ---: |"));
        return lines;
    }
}
