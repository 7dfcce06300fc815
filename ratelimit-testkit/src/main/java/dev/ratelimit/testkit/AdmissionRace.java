package dev.ratelimit.testkit;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimitBackend;
import dev.ratelimit.RateLimiter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Several JVMs × many threads racing on one key of a 100-per-hour limit: the test that a shared
 * backend admits exactly the limit across processes. The JVMs start racing at the same
 * wall-clock instant, each with 20 attempts per thread.
 *
 * <p>Two ways to build each JVM's limiter: on a backend from a factory class (a public class with
 * a no-argument constructor implementing {@code Function<String[], RateLimitBackend>}, given the
 * factory arguments), with a 10 s deadline; or exactly as an application would, with
 * {@code RateLimiter.builder().policy(policy).fromEnvironment(variables)} and every other option
 * at its default.
 */
public final class AdmissionRace {

    private static final Pattern RESULT = Pattern.compile("admitted=(\\d+) byBackend=(\\d+) notFromBackend=(\\d+)");
    private static final String ENVIRONMENT = "environment";

    /**
     * What the JVMs saw.
     *
     * @param admitted requests allowed, whoever decided
     * @param admittedByBackend requests allowed by the backend itself
     * @param notFromBackend decisions made neither by the backend nor by a local block cache (a
     *     fallback or the failure policy)
     */
    public record Result(int admitted, int admittedByBackend, int notFromBackend) {}

    private AdmissionRace() {}

    /**
     * Runs the race on a factory's backend and returns the number of requests admitted in total.
     *
     * @param factory a public class with a no-argument constructor; each JVM makes one and applies
     *     it to {@code factoryArgs} to get its backend
     * @param algorithm the algorithm of the 100-per-hour limit
     * @param jvms how many JVMs race
     * @param threads how many threads each JVM races with
     * @param factoryArgs the arguments each JVM's factory is applied to
     * @return the requests admitted across all JVMs, out of {@code jvms × threads × 20} attempts
     * @throws AssertionError if a worker fails or gives no result, or a decision did not come from
     *     the backend or its local block cache
     * @throws Exception an {@link java.io.IOException} if a worker JVM cannot be started or its
     *     output read, or an {@link InterruptedException} if interrupted while waiting for one
     */
    public static int admitted(
            Class<? extends Function<String[], RateLimitBackend>> factory,
            Limit.Algorithm algorithm,
            int jvms,
            int threads,
            String... factoryArgs)
            throws Exception {
        Result result = race(factory.getName(), algorithm, jvms, threads, factoryArgs);
        if (result.notFromBackend() != 0) {
            throw new AssertionError(result.notFromBackend() + " decisions did not come from the backend");
        }
        return result.admitted();
    }

    /**
     * Runs the race with limiters wired from {@code variables} ({@code REDIS_URL}, …), every other
     * option at its default, as an application would build them.
     *
     * @param variables the environment variables each JVM's limiter reads, by name; passed on the
     *     worker's command line, so visible to other processes on the machine
     * @param algorithm the algorithm of the 100-per-hour limit
     * @param jvms how many JVMs race
     * @param threads how many threads each JVM races with
     * @return what the JVMs saw, summed
     * @throws AssertionError if a worker fails or gives no result
     * @throws Exception an {@link java.io.IOException} if a worker JVM cannot be started or its
     *     output read, or an {@link InterruptedException} if interrupted while waiting for one
     */
    public static Result fromEnvironment(
            Map<String, String> variables, Limit.Algorithm algorithm, int jvms, int threads) throws Exception {
        List<String> args = new ArrayList<>();
        variables.forEach((name, value) -> args.add(name + "=" + value));
        return race(ENVIRONMENT, algorithm, jvms, threads, args.toArray(String[]::new));
    }

    private static Result race(String mode, Limit.Algorithm algorithm, int jvms, int threads, String... args)
            throws Exception {
        String key = "race-" + UUID.randomUUID();
        long startAt = System.currentTimeMillis() + 4_000;
        List<Process> workers = new ArrayList<>();
        for (int i = 0; i < jvms; i++) {
            List<String> command = new ArrayList<>(
                    List.of(mode, algorithm.name(), key, Integer.toString(threads), "20", Long.toString(startAt)));
            command.addAll(List.of(args));
            workers.add(WorkerJvm.start(AdmissionRace.class, command));
        }
        int admitted = 0;
        int byBackend = 0;
        int notFromBackend = 0;
        for (Process worker : workers) {
            String output = new String(worker.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!worker.waitFor(120, TimeUnit.SECONDS) || worker.exitValue() != 0) {
                throw new AssertionError("worker failed:\n" + output);
            }
            Matcher m = RESULT.matcher(output);
            if (!m.find()) {
                throw new AssertionError("no result from worker:\n" + output);
            }
            admitted += Integer.parseInt(m.group(1));
            byBackend += Integer.parseInt(m.group(2));
            notFromBackend += Integer.parseInt(m.group(3));
        }
        return new Result(admitted, byBackend, notFromBackend);
    }

    /**
     * The worker: arguments are the factory class (or {@code environment}), algorithm, key, threads,
     * attempts per thread, start time (epoch ms), then the factory's arguments (or the variables as
     * {@code NAME=value}). Prints {@code admitted=N byBackend=B notFromBackend=M}, then exits the
     * JVM. Public only because the race starts it in a JVM of its own.
     *
     * @param args the arguments, in that order
     * @throws Exception a {@link ReflectiveOperationException} if the factory class cannot be
     *     loaded or made, or an {@link InterruptedException} if interrupted while waiting for the
     *     threads
     */
    public static void main(String[] args) throws Exception {
        Policy policy = Policy.of("race", Limit.perHour(100).with(Limit.Algorithm.valueOf(args[1])));
        String key = args[2];
        int threads = Integer.parseInt(args[3]);
        int attempts = Integer.parseInt(args[4]);
        long startAt = Long.parseLong(args[5]);
        String[] rest = Arrays.copyOfRange(args, 6, args.length);
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger byBackend = new AtomicInteger();
        AtomicInteger notFromBackend = new AtomicInteger();
        @Nullable RateLimitBackend backend = null;
        RateLimiter limiter;
        if (args[0].equals(ENVIRONMENT)) {
            Map<String, String> variables = new HashMap<>();
            for (String variable : rest) {
                int eq = variable.indexOf('=');
                variables.put(variable.substring(0, eq), variable.substring(eq + 1));
            }
            limiter = RateLimiter.builder()
                    .policy(policy)
                    .fromEnvironment(variables::get)
                    .build();
        } else {
            @SuppressWarnings("unchecked") // the factory class's contract, stated in the Javadoc above
            Function<String[], RateLimitBackend> factory = Class.forName(args[0])
                    .asSubclass(Function.class)
                    .getDeclaredConstructor()
                    .newInstance();
            backend = factory.apply(rest);
            limiter = RateLimiter.builder()
                    .policy(policy)
                    .backend(backend)
                    .deadline(Duration.ofSeconds(10))
                    .build();
        }
        try {
            CountDownLatch done = new CountDownLatch(threads);
            for (int t = 0; t < threads; t++) {
                new Thread(() -> {
                            try {
                                Thread.sleep(Math.max(0, startAt - System.currentTimeMillis()));
                                for (int i = 0; i < attempts; i++) {
                                    Decision d = limiter.tryAcquire(key);
                                    Decision.Source source = d.source();
                                    boolean fromBackend = source == Decision.Source.BACKEND
                                            || source == Decision.Source.LOCAL_BLOCK_CACHE;
                                    if (!fromBackend) {
                                        notFromBackend.incrementAndGet();
                                    }
                                    if (d.allowed()) {
                                        admitted.incrementAndGet();
                                        if (source == Decision.Source.BACKEND) {
                                            byBackend.incrementAndGet();
                                        }
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
            if (backend != null) {
                backend.close();
            }
        }
        System.out.println("admitted=" + admitted.get() + " byBackend=" + byBackend.get() + " notFromBackend="
                + notFromBackend.get());
        System.out.flush();
        // A factory's backend may sit on a connection it does not close (closing a backend leaves its
        // transport open): the worker ends here rather than wait for threads it does not own.
        System.exit(0);
    }
}
