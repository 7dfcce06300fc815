package dev.ratelimit.benchmarks;

import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.servlet.RateLimitFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Requests per second through embedded Jetty 12 with the {@code RateLimitFilter} (in-memory
 * backend, 1,000 client addresses through a trusted proxy, every request allowed) against the same
 * server without it, in one run: one server, two contexts. After 20 s of warm-up, eight adjacent
 * pairs of runs (in alternating order) each give a ratio; the JIT and the machine drift over a run
 * of minutes, and a ratio of neighbours cancels most of it. The median ratio is reported.
 *
 * <p>Arguments (optional): seconds per run (default 3), client threads (default 16).
 */
public final class FilterOverheadHarness {

    private static final int PAIRS = 8;

    private FilterOverheadHarness() {}

    /** A small JSON body, like an API answer. */
    public static final class Hello extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.setContentType("application/json");
            response.getWriter().write("{\"ok\":true}");
        }
    }

    public static void main(String[] args) throws Exception {
        Duration measure = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 3);
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        ServletContextHandler plain = new ServletContextHandler("/plain");
        plain.addServlet(new ServletHolder(new Hello()), "/*");
        ServletContextHandler limited = new ServletContextHandler("/limited");
        limited.addServlet(new ServletHolder(new Hello()), "/*");
        RateLimiter limiter = RateLimiter.inMemory(Policy.of("api", Limit.perHour(1_000_000_000L)));
        limited.addFilter(
                new FilterHolder(RateLimitFilter.builder()
                        .rule("GET", "/api/*", limiter)
                        .trustedProxies("127.0.0.1/32")
                        .build()),
                "/*",
                EnumSet.of(DispatcherType.REQUEST));
        server.setHandler(new Handler.Sequence(plain, limited));
        server.start();
        try {
            int port = connector.getLocalPort();
            HttpClient http =
                    HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            List<Double> plainRuns = new ArrayList<>();
            List<Double> limitedRuns = new ArrayList<>();
            List<Double> ratios = new ArrayList<>();
            for (int block = 0; block < 4; block++) {
                run(http, port, block % 2 == 0 ? "plain" : "limited", threads, Duration.ofSeconds(5));
            }
            for (int pair = 0; pair < PAIRS; pair++) {
                boolean plainFirst = pair % 2 == 0;
                Load.Result first = run(http, port, plainFirst ? "plain" : "limited", threads, measure);
                Load.Result second = run(http, port, plainFirst ? "limited" : "plain", threads, measure);
                Load.Result plainRun = plainFirst ? first : second;
                Load.Result limitedRun = plainFirst ? second : first;
                plainRuns.add(plainRun.perSecond());
                limitedRuns.add(limitedRun.perSecond());
                ratios.add(limitedRun.perSecond() / plainRun.perSecond());
                System.out.printf(
                        Locale.ROOT,
                        "pair %d: no filter %,.0f/s, with the filter %,.0f/s, ratio %.1f%%%n",
                        pair + 1,
                        plainRun.perSecond(),
                        limitedRun.perSecond(),
                        100 * ratios.get(pair));
            }
            System.out.println();
            System.out.printf(
                    Locale.ROOT,
                    "%d adjacent pairs of %d s runs, %d client threads: median requests/s "
                            + "no filter %,.0f, with the filter %,.0f; median ratio %.1f%% (range %.1f%% to %.1f%%)%n",
                    PAIRS,
                    measure.toSeconds(),
                    threads,
                    median(plainRuns),
                    median(limitedRuns),
                    100 * median(ratios),
                    100 * ratios.stream().mapToDouble(Double::doubleValue).min().orElse(0),
                    100 * ratios.stream().mapToDouble(Double::doubleValue).max().orElse(0));
        } finally {
            server.stop();
        }
    }

    private static Load.Result run(HttpClient http, int port, String context, int threads, Duration measure)
            throws InterruptedException {
        URI uri = URI.create("http://127.0.0.1:" + port + "/" + context + "/api/items");
        return Load.run(threads, Duration.ofMillis(500), measure, (caller, seq) -> {
            HttpRequest request = HttpRequest.newBuilder(uri)
                    .header("X-Forwarded-For", "198.51.100." + (seq % 250) + ", 203.0.113." + (caller % 4))
                    .build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("status " + response.statusCode());
            }
        });
    }

    private static double median(List<Double> runs) {
        List<Double> sorted = new ArrayList<>(runs);
        sorted.sort(Double::compare);
        return sorted.get(sorted.size() / 2);
    }
}
