package dev.ratelimit.examples.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Requests per second through a Spring Boot application (Tomcat) with the starter: a path its
 * rule limits ({@code /limited}: the servlet filter decides, in memory, for 1,000 client addresses
 * through a trusted proxy, every request allowed) against a path no rule matches ({@code /open})
 * in the same application, and the limited path with the metrics against the same in a second
 * application without them. As in {@code FilterOverheadHarness}: a warm-up, then adjacent pairs of
 * runs in alternating order, each giving a ratio; the median ratio is reported.
 *
 * <p>Arguments (optional): seconds per run (default 3), client threads (default 16).
 */
public final class BootOverheadHarness {

    private static final int PAIRS = 6;

    private BootOverheadHarness() {}

    /** The application measured. */
    @SpringBootApplication
    public static class App {
        /** A small JSON body, like an API answer. */
        @RestController
        public static class Hello {
            /** The answer of both paths. */
            @GetMapping({"/open", "/limited"})
            public String hello() {
                return "{\"ok\":true}";
            }
        }
    }

    private static ConfigurableApplicationContext start(boolean metrics) {
        List<String> args = new ArrayList<>(List.of(
                "--server.port=0",
                "--server.address=127.0.0.1",
                "--ratelimit.rules[0].methods=GET",
                "--ratelimit.rules[0].path=/limited",
                "--ratelimit.rules[0].limits=1000000000/1s",
                "--ratelimit.trusted-proxies=127.0.0.1/32",
                "--ratelimit.email.enabled=false",
                "--logging.level.root=WARN"));
        if (!metrics) {
            args.add("--spring.autoconfigure.exclude=dev.ratelimit.spring.RateLimitMetricsAutoConfiguration");
        }
        return new SpringApplicationBuilder(App.class)
                .web(WebApplicationType.SERVLET)
                .run(args.toArray(String[]::new));
    }

    private static int port(ConfigurableApplicationContext context) {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    /** Requests per second against {@code url} from {@code threads} clients for {@code time}. */
    static double run(String url, int threads, Duration time) throws InterruptedException {
        HttpClient client =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        AtomicLong done = new AtomicLong();
        long end = System.nanoTime() + time.toNanos();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread worker = new Thread(() -> {
                int n = id;
                while (System.nanoTime() < end) {
                    HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                            .header("X-Forwarded-For", "198.51." + (n % 1000 / 250) + "." + (n % 250))
                            .build();
                    n += threads;
                    try {
                        if (client.send(request, HttpResponse.BodyHandlers.discarding())
                                        .statusCode()
                                == 200) {
                            done.incrementAndGet();
                        }
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            worker.start();
            workers.add(worker);
        }
        for (Thread worker : workers) {
            worker.join();
        }
        return done.get() / (time.toNanos() / 1e9);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** Runs the measurement and prints each pair and the medians. */
    public static void main(String[] args) throws Exception {
        Duration measure = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 3);
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        try (ConfigurableApplicationContext withMetrics = start(true);
                ConfigurableApplicationContext withoutMetrics = start(false)) {
            String open = "http://127.0.0.1:" + port(withMetrics) + "/open";
            String limited = "http://127.0.0.1:" + port(withMetrics) + "/limited";
            String limitedNoMetrics = "http://127.0.0.1:" + port(withoutMetrics) + "/limited";
            for (String url : List.of(open, limited, limitedNoMetrics)) {
                run(url, threads, Duration.ofSeconds(7));
            }
            List<Double> filterRatios = new ArrayList<>();
            List<Double> metricsRatios = new ArrayList<>();
            for (int pair = 0; pair < PAIRS; pair++) {
                boolean flip = pair % 2 == 1;
                double a = run(flip ? limited : open, threads, measure);
                double b = run(flip ? open : limited, threads, measure);
                double openRps = flip ? b : a;
                double limitedRps = flip ? a : b;
                double c = run(flip ? limited : limitedNoMetrics, threads, measure);
                double d = run(flip ? limitedNoMetrics : limited, threads, measure);
                double metricsRps = flip ? c : d;
                double bareRps = flip ? d : c;
                filterRatios.add(limitedRps / openRps);
                metricsRatios.add(metricsRps / bareRps);
                System.out.printf(
                        Locale.ROOT,
                        "pair %d: open %.0f/s, limited %.0f/s (%.3f); limited without metrics %.0f/s,"
                                + " with %.0f/s (%.3f)%n",
                        pair + 1,
                        openRps,
                        limitedRps,
                        limitedRps / openRps,
                        bareRps,
                        metricsRps,
                        metricsRps / bareRps);
            }
            System.out.printf(
                    Locale.ROOT,
                    "median: the rule's path at %.1f%% of the unlimited path's requests/s; with "
                            + "metrics at %.1f%% of without%n",
                    100 * median(filterRatios),
                    100 * median(metricsRatios));
        }
    }
}
