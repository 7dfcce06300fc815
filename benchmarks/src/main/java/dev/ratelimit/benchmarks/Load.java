package dev.ratelimit.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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

    /** What one run measured: {@code allCalls} includes the warm-up; the rest covers the measured time only. */
    @SuppressWarnings("ArrayRecordComponent") // never compared or hashed: read by the reports only
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

    private Load() {}

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
            Thread t = new Thread(
                    () -> {
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
                    },
                    "load-" + c);
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
        return String.format(
                Locale.ROOT,
                "| %s | %d | %,.0f | %.2f | %.2f | %.2f | %d |%s",
                name,
                r.callers(),
                r.perSecond(),
                r.percentileMillis(50),
                r.percentileMillis(99),
                r.maxMillis(),
                r.errors(),
                extra == null ? "" : " " + extra + " |");
    }

    /** The table's header, with {@code extraColumns} after the common ones (each row supplies their cells). */
    static List<String> header(String... extraColumns) {
        StringBuilder names = new StringBuilder("| run | callers | decisions/s | p50 ms | p99 ms | max ms | errors |");
        StringBuilder rule = new StringBuilder("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (String column : extraColumns) {
            names.append(' ').append(column).append(" |");
            rule.append(" ---: |");
        }
        return List.of(names.toString(), rule.toString());
    }

    /**
     * The same runs repeated in alternating rounds, so that a noisy moment on a shared machine hits
     * one round of one run rather than all of it; each run is reported by its median round.
     */
    static final class Rounds {
        @SuppressWarnings("ArrayRecordComponent") // never compared or hashed: read by the reports only
        private record Row(double perSecond, String text, double[] metrics) {}

        private final Map<String, List<Row>> runs = new LinkedHashMap<>();

        /** Records one round of the run {@code name}, printing its row at once. */
        void add(int round, String name, Result r, String extra) {
            add(round, name, r, extra, new double[0]);
        }

        /**
         * Records one round of the run {@code name} with figures that {@link #pairedRatios(String,
         * String, int)} can compare by their index, printing its row at once.
         */
        void add(int round, String name, Result r, String extra, double[] metrics) {
            String text = row(name, r, extra);
            System.out.println("round " + (round + 1) + ": " + text);
            runs.computeIfAbsent(name, k -> new ArrayList<>()).add(new Row(r.perSecond(), text, metrics));
        }

        /** The median round's row of every run, in the order the runs were first added. */
        List<String> medianRows() {
            List<String> rows = new ArrayList<>();
            runs.values().forEach(rounds -> rows.add(median(rounds).text()));
            return rows;
        }

        /**
         * The ratio of two runs' calls per second, round by round — runs of one round ran seconds
         * apart, so a slow phase of the machine tends to hit both — sorted ascending.
         */
        double[] pairedRatios(String numerator, String denominator) {
            return pairedRatios(numerator, denominator, -1);
        }

        /** As {@link #pairedRatios(String, String)}, of the figure at {@code metric} (-1: calls per second). */
        double[] pairedRatios(String numerator, String denominator, int metric) {
            List<Row> a = runs.get(numerator);
            List<Row> b = runs.get(denominator);
            double[] ratios = new double[Math.min(a.size(), b.size())];
            for (int i = 0; i < ratios.length; i++) {
                ratios[i] = metric < 0
                        ? a.get(i).perSecond() / b.get(i).perSecond()
                        : a.get(i).metrics()[metric] / b.get(i).metrics()[metric];
            }
            Arrays.sort(ratios);
            return ratios;
        }

        /** "median (lowest–highest)" of sorted ratios, as a percentage or as a factor. */
        static String describe(double[] sorted, boolean percent) {
            double median = sorted[sorted.length / 2];
            return percent
                    ? String.format(
                            Locale.ROOT,
                            "%.0f%% (%.0f–%.0f%%)",
                            100 * median,
                            100 * sorted[0],
                            100 * sorted[sorted.length - 1])
                    : String.format(Locale.ROOT, "%.1f× (%.1f–%.1f×)", median, sorted[0], sorted[sorted.length - 1]);
        }

        private static Row median(List<Row> rounds) {
            List<Row> sorted = new ArrayList<>(rounds);
            sorted.sort(Comparator.comparingDouble(Row::perSecond));
            return sorted.get(sorted.size() / 2);
        }
    }
}
