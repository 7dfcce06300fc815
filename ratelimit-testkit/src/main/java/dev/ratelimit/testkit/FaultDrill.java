package dev.ratelimit.testkit;

import dev.ratelimit.Decision;
import dev.ratelimit.RateLimiter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Steady load on a limiter while a test breaks its backends: {@code callers} threads call
 * {@code tryAcquire} with a short pause between calls, recording when each call started, how long
 * it took, who answered, and any exception. The test marks phases ("kill", "restart"…); {@link #stop()}
 * returns each phase's latency figures and sources. Samples are kept in primitive arrays, so the
 * recording adds next to no garbage-collection work to what it measures.
 */
public final class FaultDrill {

    /**
     * What one phase measured: the calls that started between its mark and the next.
     *
     * @param name the phase's name, as given to {@link FaultDrill#phase}; the first is {@code start}
     * @param calls the calls that started in the phase, exceptions included
     * @param exceptions the calls that threw
     * @param p50Millis the median call time, in milliseconds
     * @param p99Millis the 99th percentile call time, in milliseconds
     * @param maxMillis the longest call time, in milliseconds
     * @param sources the calls by who answered: a {@link Decision.Source} name,
     *     {@code FALLBACK:<name>} for a fallback, or {@code EXCEPTION}
     */
    public record Phase(
            String name,
            long calls,
            long exceptions,
            double p50Millis,
            double p99Millis,
            double maxMillis,
            Map<String, Long> sources) {

        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "| %s | %d | %.3f | %.3f | %.1f | %s |",
                    name,
                    calls,
                    p50Millis,
                    p99Millis,
                    maxMillis,
                    sources);
        }
    }

    /** One caller's samples: start and duration in nanoseconds, and the answering source's index. */
    private static final class Samples {
        long[] starts = new long[1 << 14];
        long[] nanos = new long[1 << 14];
        int[] sources = new int[1 << 14];
        int size;

        synchronized void add(long start, long took, int source) {
            if (size == starts.length) {
                starts = Arrays.copyOf(starts, size * 2);
                nanos = Arrays.copyOf(nanos, size * 2);
                sources = Arrays.copyOf(sources, size * 2);
            }
            starts[size] = start;
            nanos[size] = took;
            sources[size] = source;
            size++;
        }
    }

    private static final String EXCEPTION = "EXCEPTION";

    private final RateLimiter limiter;
    private final List<Thread> threads = new ArrayList<>();
    private final List<Samples> samples = new ArrayList<>();
    private final List<Throwable> exceptions = new CopyOnWriteArrayList<>();
    private final Map<String, Integer> sourceIndex = new ConcurrentHashMap<>();
    private final List<String> sourceNames = new CopyOnWriteArrayList<>();
    private final Map<String, Long> phases = new LinkedHashMap<>();
    private volatile boolean running = true;

    /**
     * Starts {@code callers} threads on {@code keys} keys, each pausing {@code pause} between calls,
     * and marks the phase {@code start}.
     *
     * @param limiter the limiter the threads call {@code tryAcquire} on; the drill does not close it
     * @param callers how many threads call it (daemon threads)
     * @param keys how many keys the calls spread over, at least 1
     * @param pause the pause after each call
     */
    public FaultDrill(RateLimiter limiter, int callers, int keys, Duration pause) {
        this.limiter = limiter;
        phase("start");
        for (int t = 0; t < callers; t++) {
            Samples mine = new Samples();
            samples.add(mine);
            final int caller = t;
            Thread thread = new Thread(
                    () -> {
                        long sequence = 0;
                        while (running) {
                            long start = System.nanoTime();
                            int source;
                            try {
                                Decision d = limiter.tryAcquire("drill-" + (caller + 7 * sequence++) % keys);
                                source = index(
                                        d.source() == Decision.Source.FALLBACK
                                                ? "FALLBACK:" + d.fallback()
                                                : d.source().name());
                            } catch (Throwable e) {
                                exceptions.add(e);
                                source = index(EXCEPTION);
                            }
                            mine.add(start, System.nanoTime() - start, source);
                            LockSupport.parkNanos(pause.toNanos());
                        }
                    },
                    "fault-drill-" + t);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    private int index(String source) {
        Integer known = sourceIndex.get(source);
        if (known != null) {
            return known;
        }
        synchronized (sourceNames) {
            return sourceIndex.computeIfAbsent(source, s -> {
                sourceNames.add(s);
                return sourceNames.size() - 1;
            });
        }
    }

    /**
     * Marks the start of a phase now; it lasts until the next mark, or {@link #stop()}.
     *
     * @param name the phase's name; a name used again moves its mark and keeps its place
     */
    public void phase(String name) {
        synchronized (phases) {
            phases.put(name, System.nanoTime());
        }
    }

    /**
     * Lets the load run for {@code time} (the drill's own pacing, not a wait for a window).
     *
     * @param time how long to sleep, to the millisecond
     * @throws InterruptedException if interrupted while sleeping
     */
    public void run(Duration time) throws InterruptedException {
        Thread.sleep(time.toMillis());
    }

    /**
     * Waits up to {@code timeout} for a decision answered by {@code source} (such as
     * {@code "BACKEND"} or {@code "FALLBACK:upstash"}) that started after the phase began, and
     * returns how long after the phase's start it completed.
     *
     * @param phase the name of a phase already marked
     * @param source who must answer: a {@link Decision.Source} name, or {@code FALLBACK:<name>}
     * @param timeout how long to wait, polling every 10 ms
     * @return from the phase's mark to the earliest end of such a call that started after it
     * @throws AssertionError if none came in time
     * @throws NullPointerException if no phase of that name was marked
     * @throws InterruptedException if interrupted while waiting
     */
    public Duration awaitSource(String phase, String source, Duration timeout) throws InterruptedException {
        long since;
        synchronized (phases) {
            since = java.util.Objects.requireNonNull(phases.get(phase), phase);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Integer wanted = sourceIndex.get(source);
            long first = Long.MAX_VALUE;
            if (wanted != null) {
                for (Samples mine : samples) {
                    synchronized (mine) {
                        for (int i = mine.size - 1; i >= 0 && mine.starts[i] >= since; i--) {
                            if (mine.sources[i] == wanted) {
                                first = Math.min(first, mine.starts[i] + mine.nanos[i]);
                            }
                        }
                    }
                }
            }
            if (first != Long.MAX_VALUE) {
                return Duration.ofNanos(first - since);
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no decision from " + source + " within " + timeout + " of phase " + phase);
    }

    /**
     * Stops the callers and returns the figures of each phase, in order; the last phase ends now.
     *
     * @return one {@link Phase} per mark, in the order marked
     * @throws InterruptedException if interrupted while waiting (up to 10 s a thread) for the
     *     callers to end
     */
    public List<Phase> stop() throws InterruptedException {
        running = false;
        for (Thread thread : threads) {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        }
        phase("end");
        List<Map.Entry<String, Long>> marks;
        synchronized (phases) {
            marks = new ArrayList<>(phases.entrySet());
        }
        List<Phase> result = new ArrayList<>();
        for (int p = 0; p + 1 < marks.size(); p++) {
            long from = marks.get(p).getValue();
            long to = marks.get(p + 1).getValue();
            long[] durations = new long[16];
            int count = 0;
            Map<String, Long> sources = new TreeMap<>();
            for (Samples mine : samples) {
                synchronized (mine) {
                    for (int i = 0; i < mine.size; i++) {
                        if (mine.starts[i] >= from && mine.starts[i] < to) {
                            if (count == durations.length) {
                                durations = Arrays.copyOf(durations, count * 2);
                            }
                            durations[count++] = mine.nanos[i];
                            sources.merge(sourceNames.get(mine.sources[i]), 1L, Long::sum);
                        }
                    }
                }
            }
            long[] sorted = Arrays.copyOf(durations, count);
            Arrays.sort(sorted);
            result.add(new Phase(
                    marks.get(p).getKey(),
                    count,
                    sources.getOrDefault(EXCEPTION, 0L),
                    percentile(sorted, 50),
                    percentile(sorted, 99),
                    count == 0 ? 0 : sorted[count - 1] / 1e6,
                    sources));
        }
        return result;
    }

    /** {@return every exception a caller saw (there should be none); a live, thread-safe list} */
    public List<Throwable> exceptions() {
        return exceptions;
    }

    private static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int index = (int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1);
        return sorted[Math.max(0, index)] / 1e6;
    }

    @Override
    public String toString() {
        return "FaultDrill[" + limiter + ", " + threads.size() + " callers]";
    }
}
