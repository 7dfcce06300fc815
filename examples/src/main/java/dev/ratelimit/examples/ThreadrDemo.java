package dev.ratelimit.examples;

import dev.ratelimit.EmailStore;
import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.servlet.RateLimitFilter;
import jakarta.servlet.DispatcherType;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.ErrorPageErrorHandler;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * "Threadr demo": turns an article into a social-media thread, 5 generations per hour per client,
 * and captures email addresses — on embedded Jetty 12, with every module of the library, set up
 * to face the open internet ({@link PublicJetty}, {@link SameOriginJsonFilter}).
 *
 * <p>Configured from the environment: {@code HOST} (the address to bind; default every
 * interface), {@code PORT} (default 8080), {@code REDIS_URL},
 * {@code UPSTASH_REDIS_REST_URL}/{@code UPSTASH_REDIS_REST_TOKEN}, {@code TRUSTED_PROXIES}
 * (comma-separated CIDRs), {@code ALLOWED_ORIGINS} (comma-separated origins allowed to call the
 * JSON API; default the origin of the request's {@code Host}), {@code GENERATE_LIMIT} (default
 * {@code 5/1h}), {@code EMAIL_LIMIT} (default {@code 10/1h}), {@code RATELIMIT_SPOOL_DIR}. With no
 * backend configured it keeps everything in memory and says so.
 */
public final class ThreadrDemo implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ThreadrDemo.class);

    private final Server server;
    private final RateLimitFilter filter;
    private final RateLimiter backendProbe;
    private final EmailStore emails;

    private ThreadrDemo(Server server, RateLimitFilter filter, RateLimiter backendProbe, EmailStore emails) {
        this.server = server;
        this.filter = filter;
        this.backendProbe = backendProbe;
        this.emails = emails;
    }

    public static void main(String[] args) throws Exception {
        ThreadrDemo demo = start(System.getenv());
        Runtime.getRuntime().addShutdownHook(new Thread(demo::close, "threadr-shutdown"));
        demo.server.join();
    }

    /** Starts the demo from {@code env} (the backends always come from the process environment). */
    static ThreadrDemo start(Map<String, String> env) throws Exception {
        int port = Integer.parseInt(env.getOrDefault("PORT", "8080"));
        String host = present(env, "HOST") ? env.get("HOST").strip() : null;
        List<String> chain = new ArrayList<>();
        if (present(env, "REDIS_URL")) {
            chain.add("redis");
        }
        if (present(env, "UPSTASH_REDIS_REST_URL")) {
            chain.add("upstash");
        }
        chain.add("memory");

        // The filter makes each rule's limiter; the generate one is kept, so that /api/quota peeks
        // at the very limiter (and backend state) that the filter decides with.
        Map<String, RateLimiter> limiters = new HashMap<>();
        RateLimitFilter.Builder rules = RateLimitFilter.builder()
                .limiters(policy -> {
                    RateLimiter limiter = RateLimiter.fromEnvironment(policy);
                    limiters.put(policy.name(), limiter);
                    return limiter;
                })
                .rule("generate: POST /api/generate = " + env.getOrDefault("GENERATE_LIMIT", "5/1h"))
                .rule("capture-email: POST /api/capture-email = " + env.getOrDefault("EMAIL_LIMIT", "10/1h"))
                .rule("quota: GET /api/quota = 120/1m");
        if (present(env, "TRUSTED_PROXIES")) {
            rules.trustedProxies(env.get("TRUSTED_PROXIES"));
        }
        RateLimitFilter filter = rules.build();
        SameOriginJsonFilter sameOrigin = new SameOriginJsonFilter(env.get("ALLOWED_ORIGINS"));
        RateLimiter backendProbe = RateLimiter.fromEnvironment(Policy.of("test-redis", Limit.perMinute(100_000)));
        EmailStore emails = EmailStore.fromEnvironment();

        ServletContextHandler context = new ServletContextHandler("/");
        context.addFilter(new FilterHolder(sameOrigin), "/api/*", EnumSet.of(DispatcherType.REQUEST));
        context.addFilter(new FilterHolder(filter), "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder(new DemoEndpoints.Generate()), "/api/generate");
        context.addServlet(new ServletHolder(new DemoEndpoints.CaptureEmail(emails)), "/api/capture-email");
        context.addServlet(new ServletHolder(new DemoEndpoints.Quota(limiters.get("generate"))), "/api/quota");
        context.addServlet(new ServletHolder(new DemoEndpoints.TestBackend(backendProbe, chain)), "/test-redis");
        context.addServlet(new ServletHolder(new DemoEndpoints.Health()), "/health");
        context.addServlet(new ServletHolder(new DemoEndpoints.ErrorPage()), "/error");
        context.addServlet(new ServletHolder(new DemoEndpoints.Page()), "/");
        ErrorPageErrorHandler errors = new ErrorPageErrorHandler();
        errors.addErrorPage(ErrorPageErrorHandler.GLOBAL_ERROR_PAGE, "/error");
        context.setErrorHandler(errors);

        Server server = PublicJetty.server(host, port, context);
        server.start();
        ServerConnector connector = (ServerConnector) server.getConnectors()[0];
        LOG.info(
                "Threadr demo listening on http://{}:{}/ (rate limits and emails: {}{})",
                host == null ? "localhost" : host,
                connector.getLocalPort(),
                String.join(" -> ", chain),
                chain.size() == 1
                        ? ", in this process's memory only: set REDIS_URL or UPSTASH_REDIS_REST_URL/TOKEN to share them"
                        : "");
        return new ThreadrDemo(server, filter, backendProbe, emails);
    }

    private static boolean present(Map<String, String> env, String name) {
        String value = env.get(name);
        return value != null && !value.isBlank();
    }

    int port() {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("stopping Jetty failed", e);
        }
        filter.destroy();
        backendProbe.close();
        emails.close();
    }
}
