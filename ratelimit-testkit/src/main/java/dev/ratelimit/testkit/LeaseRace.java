package dev.ratelimit.testkit;

import dev.ratelimit.BreakerState;
import dev.ratelimit.Clock;
import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimitBackend;
import dev.ratelimit.RateLimitListener;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.spi.ScriptTransport;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * Lease mode under sustained demand: several JVMs × many threads hammer one hot key of a fixed
 * window limit, each JVM's limiter in lease mode on a shared server, and every admission is
 * attributed to a window. The test that leased permits are never spent outside the window they
 * were reserved in, so the JVMs together never admit more than the limit in any window, and that
 * they admit nearly all of it.
 *
 * <p>The JVMs decide on one shared clock that runs {@code speed} times faster than real time from
 * a window boundary at the agreed start (the backend is given that clock, so windows of a minute
 * pass in seconds), and run for {@code windows} whole windows. An admission is attributed to the
 * window its decision names: its call started at {@code t0} on that clock, and a fixed window's
 * {@code resetAfter} is the time from the decision to the end of its window, so {@code t0 +
 * resetAfter}, rounded up to a window boundary, is that window's end. It is <em>misplaced</em> if the
 * call ended before that window began or started after it ended: a permit spent after its window.
 * (A call that starts in the last window and is decided after it is counted in neither.) Slices
 * live at most 10 s on the shared clock; each JVM's limiter has a 10 s deadline.
 */
public final class LeaseRace {

    /**
     * What the JVMs saw.
     *
     * @param admittedPerWindow requests admitted by a slice or a reservation per window, from window 0
     *     (the first of the race)
     * @param misplaced admissions whose call lay wholly outside the window they were counted in
     * @param leased admissions spent from a slice ({@code Source.LEASE})
     * @param reserved admissions decided by a reservation ({@code Source.BACKEND})
     * @param other decisions by neither the backend, a slice nor the block cache (a fallback or the
     *     failure policy)
     */
    public record Result(List<Long> admittedPerWindow, long misplaced, long leased, long reserved, long other) {
        @Override
        public String toString() {
            return "LeaseRace.Result[perWindow=" + admittedPerWindow + ", misplaced=" + misplaced + ", leased=" + leased
                    + ", reserved=" + reserved + ", other=" + other + "]";
        }
    }

    private LeaseRace() {}

    /**
     * Runs the race.
     *
     * @param transports a public class with a no-argument constructor that opens a connection to
     *     the shared server from {@code factoryArgs}, waiting until it is up
     * @param jvms how many worker JVMs
     * @param threads callers per JVM
     * @param limit permits per minute, fixed window
     * @param maxPermits the limiters' largest slice
     * @param windows how many whole windows to run
     * @param speed how many times faster than real time the shared clock runs
     * @param factoryArgs the arguments each worker gives the transport factory
     * @return what the JVMs saw, summed
     * @throws Exception if a worker cannot be started or read
     * @throws AssertionError if a worker fails or prints no result
     */
    public static Result run(
            Class<? extends Function<String[], ScriptTransport>> transports,
            int jvms,
            int threads,
            long limit,
            long maxPermits,
            int windows,
            int speed,
            String... factoryArgs)
            throws Exception {
        return paced(transports, jvms, threads, limit, maxPermits, windows, speed, Duration.ZERO, factoryArgs);
    }

    /**
     * Runs the race with every caller pausing {@code pause} of real time after each request: with
     * demand below the limit, every JVM holds a slice when a window ends, which is where a slice
     * spent too late would show. A permit spent after its window is <em>misplaced</em> (a
     * fixed window's {@code resetAfter} is never 0 after an admission, and a slice's is 0 once its
     * window has ended).
     *
     * @param transports as for {@link #run}
     * @param jvms how many worker JVMs
     * @param threads callers per JVM
     * @param limit permits per minute, fixed window
     * @param maxPermits the limiters' largest slice
     * @param windows how many whole windows to run
     * @param speed how many times faster than real time the shared clock runs
     * @param pause real time each caller waits after each request; zero for the sustained
     *     demand of {@link #run}
     * @param factoryArgs the arguments each worker gives the transport factory
     * @return what the JVMs saw, summed
     * @throws Exception if a worker cannot be started or read
     * @throws AssertionError if a worker fails or prints no result
     */
    public static Result paced(
            Class<? extends Function<String[], ScriptTransport>> transports,
            int jvms,
            int threads,
            long limit,
            long maxPermits,
            int windows,
            int speed,
            Duration pause,
            String... factoryArgs)
            throws Exception {
        String key = "lease-" + UUID.randomUUID();
        long startAt = System.currentTimeMillis() + 5_000;
        List<Process> workers = new ArrayList<>();
        for (int i = 0; i < jvms; i++) {
            List<String> command = new ArrayList<>(List.of(
                    transports.getName(),
                    key,
                    Integer.toString(threads),
                    Long.toString(limit),
                    Long.toString(maxPermits),
                    Integer.toString(windows),
                    Integer.toString(speed),
                    Long.toString(startAt),
                    Long.toString(pause.toNanos())));
            command.addAll(List.of(factoryArgs));
            workers.add(WorkerJvm.start(LeaseRace.class, command));
        }
        long[] perWindow = new long[windows];
        long misplaced = 0;
        long leased = 0;
        long reserved = 0;
        long other = 0;
        for (Process worker : workers) {
            String output = new String(worker.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!worker.waitFor(120, TimeUnit.SECONDS) || worker.exitValue() != 0) {
                throw new AssertionError("worker failed:\n" + output);
            }
            String line = output.lines()
                    .filter(l -> l.startsWith("lease-race "))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no result from worker:\n" + output));
            output.lines().filter(l -> !l.startsWith("lease-race ")).forEach(System.out::println);
            String[] f = line.split(" ", -1);
            for (int w = 0; w < windows; w++) {
                perWindow[w] += Long.parseLong(f[1 + w]);
            }
            misplaced += Long.parseLong(f[1 + windows]);
            leased += Long.parseLong(f[2 + windows]);
            reserved += Long.parseLong(f[3 + windows]);
            other += Long.parseLong(f[4 + windows]);
        }
        return new Result(Arrays.stream(perWindow).boxed().toList(), misplaced, leased, reserved, other);
    }

    /**
     * The worker: arguments are the transport factory, key, threads, limit, maxPermits, windows,
     * speed, start (epoch ms), pause (ns), then the factory's arguments. Prints {@code lease-race} and the
     * admissions per window, misplaced, leased, reserved, other.
     *
     * @param args as above
     * @throws Exception if the factory cannot be loaded or the race is interrupted
     */
    public static void main(String[] args) throws Exception {
        String key = args[1];
        int threads = Integer.parseInt(args[2]);
        long limit = Long.parseLong(args[3]);
        long maxPermits = Long.parseLong(args[4]);
        int windows = Integer.parseInt(args[5]);
        int speed = Integer.parseInt(args[6]);
        long startAt = Long.parseLong(args[7]);
        long pauseNanos = Long.parseLong(args[8]);
        String[] rest = Arrays.copyOfRange(args, 9, args.length);
        Limit fixed = Limit.perMinute(limit);
        Policy policy = Policy.of("leaserace", fixed);
        long w = fixed.windowMicros();
        // Window-aligned at the agreed start, then speed × real time: the same in every JVM.
        long origin = (startAt * 1_000 / w + 1) * w;
        long startMicros = startAt * 1_000;
        Clock system = Clock.system();
        Clock clock = () -> origin + (system.nowMicros() - startMicros) * speed;
        long end = origin + windows * w;

        @SuppressWarnings("unchecked") // the factory class's contract, stated in the Javadoc above
        Function<String[], ScriptTransport> factory = Class.forName(args[0])
                .asSubclass(Function.class)
                .getDeclaredConstructor()
                .newInstance();
        ScriptTransport transport = factory.apply(rest);
        RateLimitBackend backend =
                RateLimitBackend.scripted(transport).clock(clock).build();
        TreeMap<String, String> firstMisplaced = new TreeMap<>();
        RateLimitListener diagnostics = new RateLimitListener() {
            @Override
            public void onBackendFailure(String backend, Throwable failure) {
                synchronized (firstMisplaced) {
                    firstMisplaced.putIfAbsent("failure", backend + " failed: " + failure);
                }
            }

            @Override
            public void onBreakerStateChange(String backend, BreakerState from, BreakerState to) {
                synchronized (firstMisplaced) {
                    firstMisplaced.putIfAbsent("breaker", backend + " breaker " + from + " -> " + to);
                }
            }
        };
        RateLimiter limiter = RateLimiter.builder()
                .policy(policy)
                .backend(backend)
                .clock(clock)
                .deadline(Duration.ofSeconds(10))
                .listener(diagnostics)
                .leases(maxPermits, Duration.ofSeconds(10))
                .build();
        AtomicLongArray perWindow = new AtomicLongArray(windows);
        AtomicLong misplaced = new AtomicLong();
        AtomicLong leased = new AtomicLong();
        AtomicLong reserved = new AtomicLong();
        AtomicLong other = new AtomicLong();
        try {
            CountDownLatch done = new CountDownLatch(threads);
            for (int t = 0; t < threads; t++) {
                new Thread(() -> {
                            try {
                                Thread.sleep(Math.max(0, startAt - System.currentTimeMillis()));
                                for (; ; ) {
                                    long before = clock.nowMicros();
                                    if (before < origin) {
                                        continue;
                                    }
                                    if (before >= end) {
                                        break;
                                    }
                                    Decision d = limiter.tryAcquire(key);
                                    long after = clock.nowMicros();
                                    Decision.Source source = d.source();
                                    if (source == Decision.Source.LEASE) {
                                        leased.incrementAndGet();
                                    } else if (source == Decision.Source.BACKEND) {
                                        reserved.addAndGet(d.allowed() ? 1 : 0);
                                    } else if (source != Decision.Source.LOCAL_BLOCK_CACHE) {
                                        other.incrementAndGet();
                                    }
                                    // Demand far above the limit (each JVM asks tens of thousands of
                                    // times a second), but callers that pause as a request's work
                                    // would: a hundred threads spinning on two cores starve the
                                    // connection's I/O thread until reservations miss their deadline.
                                    if (pauseNanos > 0) {
                                        LockSupport.parkNanos(pauseNanos);
                                    }
                                    if (!d.allowed()
                                            || (source != Decision.Source.LEASE && source != Decision.Source.BACKEND)) {
                                        Thread.sleep(pauseNanos > 0 ? 0 : 1);
                                        continue;
                                    }
                                    if (pauseNanos == 0) {
                                        LockSupport.parkNanos(50_000);
                                    }
                                    // The decision's own time is between before and after, and the slice's figures
                                    // lag the backend's by the round trip: before + resetAfter is at
                                    // most the end of the window the decision names, and less than a
                                    // window before it.
                                    long windowEnd = -Math.floorDiv(
                                                    -(before + d.resetAfter().toNanos() / 1_000), w)
                                            * w;
                                    int index = (int) ((windowEnd - origin) / w) - 1;
                                    if (after < windowEnd - w
                                            || before >= windowEnd
                                            || d.resetAfter().isZero()) {
                                        misplaced.incrementAndGet();
                                        synchronized (firstMisplaced) {
                                            firstMisplaced.putIfAbsent(
                                                    "misplaced",
                                                    before + ".." + after + " in window ending " + windowEnd);
                                        }
                                    } else if (index >= 0 && index < windows) {
                                        perWindow.incrementAndGet(index);
                                    }
                                }
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            } finally {
                                done.countDown();
                            }
                        })
                        .start();
            }
            done.await();
        } finally {
            limiter.close();
            backend.close();
        }
        StringBuilder line = new StringBuilder("lease-race");
        for (int i = 0; i < windows; i++) {
            line.append(' ').append(perWindow.get(i));
        }
        line.append(' ')
                .append(misplaced.get())
                .append(' ')
                .append(leased.get())
                .append(' ')
                .append(reserved.get())
                .append(' ')
                .append(other.get());
        firstMisplaced.values().forEach(System.out::println);
        System.out.println(line);
        System.out.flush();
        // The transport may hold threads this worker does not own; the result is out.
        System.exit(0);
    }
}
