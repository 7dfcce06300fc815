package dev.ratelimit;

import dev.ratelimit.spi.BackendProvider;
import dev.ratelimit.spi.ScriptTransport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The environment wiring behind {@link RateLimiter#fromEnvironment} and
 * {@link EmailStore#fromEnvironment}: the backend modules found on the class path, asked in order.
 *
 * <p>Each configured server gets one connection in this JVM, shared by every limiter and store
 * the wiring builds and closed with the last of them.
 */
final class Environment {

    private static final Logger LOG = LoggerFactory.getLogger(Environment.class);

    /** The variable naming the spool directory. */
    static final String SPOOL_VARIABLE = "RATELIMIT_SPOOL_DIR";

    private static final Map<BackendProvider.Server, Shared> CONNECTIONS = new HashMap<>();

    private Environment() {}

    private static final class Shared {
        final ScriptTransport transport;
        int users;

        Shared(ScriptTransport transport) {
            this.transport = transport;
        }
    }

    /** One user's hold on a shared connection; closing it closes the connection when no one else holds it. */
    static final class Lease implements AutoCloseable {
        private final BackendProvider.Server server;
        final ScriptTransport transport;
        final String described;
        private boolean closed;

        private Lease(BackendProvider.Server server, ScriptTransport transport, String described) {
            this.server = server;
            this.transport = transport;
            this.described = described;
        }

        @Override
        public void close() {
            ScriptTransport last = null;
            synchronized (CONNECTIONS) {
                if (closed) {
                    return;
                }
                closed = true;
                Shared shared = CONNECTIONS.get(server);
                if (shared != null && --shared.users == 0) {
                    CONNECTIONS.remove(server);
                    last = shared.transport;
                }
            }
            if (last != null) {
                last.close();
            }
        }
    }

    /** Holds a connection to every server the environment configures, in fallback order. */
    static List<Lease> connect(UnaryOperator<String> env) {
        List<BackendProvider> providers = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class, Environment.class.getClassLoader())
                .forEach(providers::add);
        providers.sort(Comparator.comparingInt(BackendProvider::order));
        List<BackendProvider.Server> servers = new ArrayList<>();
        for (BackendProvider provider : providers) {
            provider.server(env).ifPresent(servers::add);
        }
        List<Lease> leases = new ArrayList<>();
        try {
            for (BackendProvider.Server server : servers) {
                leases.add(lease(server));
            }
        } catch (RuntimeException e) {
            leases.forEach(Lease::close);
            throw e;
        }
        return leases;
    }

    private static Lease lease(BackendProvider.Server server) {
        synchronized (CONNECTIONS) {
            Shared shared = CONNECTIONS.get(server);
            if (shared == null) {
                shared = new Shared(server.connect());
                CONNECTIONS.put(server, shared);
            }
            shared.users++;
            return new Lease(server, shared.transport, shared.transport.name() + " (" + server.describe() + ")");
        }
    }

    /**
     * Waits, all at once and at most {@code timeout}, until every leased server has answered; a
     * server that has not is named in the log, and the wiring starts without it.
     */
    static void await(List<Lease> leases, Duration timeout) {
        List<CompletableFuture<Void>> waits = new ArrayList<>();
        for (Lease lease : leases) {
            waits.add(CompletableFuture.runAsync(() -> {
                try {
                    lease.transport.awaitConnection(timeout);
                } catch (IllegalStateException e) {
                    LOG.warn(
                            "{} did not answer within {} ms; starting without it: {}",
                            lease.described,
                            timeout.toMillis(),
                            e.getMessage());
                }
            }));
        }
        CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new)).join();
    }

    /** Logs the chain a limiter from the environment uses. */
    static void logLimiter(Policy policy, List<Lease> leases, boolean memory) {
        if (leases.isEmpty()) {
            LOG.info(
                    "rate limits for '{}': no REDIS_URL or UPSTASH_REDIS_REST_URL/TOKEN set, so counted in this "
                            + "JVM's memory only",
                    policy.name());
        } else {
            List<String> names = new ArrayList<>();
            leases.forEach(lease -> names.add(lease.described));
            names.add(memory ? "memory (this JVM only)" : "the failure policy (FAIL_CLOSED)");
            LOG.info("rate limits for '{}': {}", policy.name(), String.join(" -> ", names));
        }
    }

    /** An email store from the environment: the configured stores behind a spool, or memory. */
    static EmailStore emailStore(UnaryOperator<String> env) {
        List<Lease> leases = connect(env);
        if (leases.isEmpty()) {
            LOG.info("email capture: no REDIS_URL or UPSTASH_REDIS_REST_URL/TOKEN set, so addresses are kept in this "
                    + "JVM's memory only and lost when it stops");
            return EmailStore.inMemory();
        }
        try {
            List<EmailStore> stores = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (Lease lease : leases) {
                stores.add(EmailStore.scripted(lease.transport).build());
                names.add(lease.described);
            }
            String dir = env.apply(SPOOL_VARIABLE);
            Path spool = Path.of(dir == null || dir.isBlank() ? "ratelimit-spool" : dir.strip(), "emails.spool");
            LOG.info("email capture: {} -> spool {}", String.join(" -> ", names), spool.toAbsolutePath());
            return new FailoverEmailStore(stores, spool, Duration.ofSeconds(1), leases);
        } catch (RuntimeException e) {
            leases.forEach(Lease::close);
            throw e;
        }
    }
}
