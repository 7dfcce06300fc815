package dev.ratelimit.testkit;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.RateLimitBackend;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Several JVMs × many threads racing on one key of a 100-per-hour limit: the test that a shared
 * backend admits exactly the limit across processes. Denials may come from a JVM's local block
 * cache; every other decision must come from the backend (no fallback, no failure policy). Each JVM builds its backend with a factory
 * class (a public class with a no-argument constructor, implementing
 * {@code Function<String[], RateLimitBackend>}) given the factory arguments, and the JVMs start
 * racing at the same wall-clock instant.
 */
public final class AdmissionRace {

    private static final Pattern RESULT = Pattern.compile("admitted=(\\d+) notFromBackend=(\\d+)");

    private AdmissionRace() {
    }

    /**
     * Runs the race and returns the number of requests admitted in total.
     *
     * @throws AssertionError if a worker fails, or a decision did not come from the backend
     */
    public static int admitted(Class<? extends Function<String[], RateLimitBackend>> factory,
            Limit.Algorithm algorithm, int jvms, int threads, String... factoryArgs) throws Exception {
        String key = "race-" + UUID.randomUUID();
        long startAt = System.currentTimeMillis() + 4_000;
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> workers = new ArrayList<>();
        for (int i = 0; i < jvms; i++) {
            List<String> command = new ArrayList<>(List.of(java, "-cp", classPath, "-Xmx128m",
                    "-XX:TieredStopAtLevel=1", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                    AdmissionRace.class.getName(), factory.getName(), algorithm.name(), key,
                    Integer.toString(threads), "20", Long.toString(startAt)));
            command.addAll(List.of(factoryArgs));
            workers.add(new ProcessBuilder(command).redirectErrorStream(true).start());
        }
        int admitted = 0;
        for (Process worker : workers) {
            String output = new String(worker.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!worker.waitFor(60, TimeUnit.SECONDS) || worker.exitValue() != 0) {
                throw new AssertionError("worker failed:\n" + output);
            }
            Matcher m = RESULT.matcher(output);
            if (!m.find()) {
                throw new AssertionError("no result from worker:\n" + output);
            }
            if (Integer.parseInt(m.group(2)) != 0) {
                throw new AssertionError(m.group(2) + " decisions did not come from the backend:\n" + output);
            }
            admitted += Integer.parseInt(m.group(1));
        }
        return admitted;
    }

    /**
     * The worker: arguments are the factory class, algorithm, key, threads, attempts per thread,
     * start time (epoch ms), then the factory's arguments. Prints {@code admitted=N notFromBackend=M}.
     */
    public static void main(String[] args) throws Exception {
        @SuppressWarnings("unchecked")
        Function<String[], RateLimitBackend> factory = (Function<String[], RateLimitBackend>)
                Class.forName(args[0]).getDeclaredConstructor().newInstance();
        Limit limit = Limit.perHour(100).with(Limit.Algorithm.valueOf(args[1]));
        String key = args[2];
        int threads = Integer.parseInt(args[3]);
        int attempts = Integer.parseInt(args[4]);
        long startAt = Long.parseLong(args[5]);
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger notFromBackend = new AtomicInteger();
        try (RateLimitBackend backend = factory.apply(Arrays.copyOfRange(args, 6, args.length));
                RateLimiter limiter = RateLimiter.builder().policy(Policy.of("race", limit)).backend(backend)
                        .deadline(Duration.ofSeconds(10)).build()) {
            CountDownLatch done = new CountDownLatch(threads);
            for (int t = 0; t < threads; t++) {
                new Thread(() -> {
                    try {
                        Thread.sleep(Math.max(0, startAt - System.currentTimeMillis()));
                        for (int i = 0; i < attempts; i++) {
                            Decision d = limiter.tryAcquire(key);
                            Decision.Source source = d.source();
                            if (source != Decision.Source.BACKEND && source != Decision.Source.LOCAL_BLOCK_CACHE) {
                                notFromBackend.incrementAndGet();
                            } else if (d.allowed()) {
                                admitted.incrementAndGet();
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        done.countDown();
                    }
                }).start();
            }
            done.await();
        }
        System.out.println("admitted=" + admitted.get() + " notFromBackend=" + notFromBackend.get());
    }
}
