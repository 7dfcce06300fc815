package dev.ratelimit.internal;

import dev.ratelimit.Decision;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.email.EmailStore;
import dev.ratelimit.spi.BackendProvider;
import dev.ratelimit.spi.RateLimitBackend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.CompletionStage;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The environment wiring behind {@code RateLimiter.fromEnvironment} and
 * {@code EmailStore.fromEnvironment}: the backend modules found on the class path, asked in order.
 * Not part of the API.
 */
public final class Environment {

    private static final Logger LOG = LoggerFactory.getLogger(Environment.class);

    /** The variable naming the spool directory. */
    public static final String SPOOL_VARIABLE = "RATELIMIT_SPOOL_DIR";

    private Environment() {
    }

    private record Configured(BackendProvider provider, String masked) {
    }

    private static List<Configured> configured(UnaryOperator<String> env) {
        List<BackendProvider> providers = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class, Environment.class.getClassLoader()).forEach(providers::add);
        providers.sort(Comparator.comparingInt(BackendProvider::order));
        List<Configured> found = new ArrayList<>();
        for (BackendProvider provider : providers) {
            Optional<String> masked = provider.configured(env);
            masked.ifPresent(m -> found.add(new Configured(provider, m)));
        }
        return found;
    }

    /** A limiter from {@code builder} with the environment's backends, owning them. */
    public static RateLimiter limiter(RateLimiter.Builder builder, UnaryOperator<String> env) {
        List<RateLimitBackend> chain = new ArrayList<>();
        List<String> names = new ArrayList<>();
        try {
            for (Configured c : configured(env)) {
                chain.add(c.provider().rateLimitBackend(env));
                names.add(c.provider().name() + " (" + c.masked() + ")");
            }
        } catch (RuntimeException e) {
            chain.forEach(RateLimitBackend::close);
            throw e;
        }
        RateLimitBackend memory = RateLimitBackend.inMemory();
        chain.add(memory);
        names.add("memory (this JVM only)");
        builder.backend(chain.get(0));
        for (RateLimitBackend fallback : chain.subList(1, chain.size())) {
            builder.fallback(fallback);
        }
        RateLimiter limiter = builder.build();
        if (chain.size() == 1) {
            LOG.info("rate limits for '{}': no REDIS_URL or UPSTASH_REDIS_REST_URL/TOKEN set, so counted in this "
                    + "JVM's memory only", limiter.policy().name());
        } else {
            LOG.info("rate limits for '{}': {}", limiter.policy().name(), String.join(" -> ", names));
        }
        return new Owning(limiter, chain);
    }

    /** An email store from the environment: the configured stores behind a spool, or memory. */
    public static EmailStore emailStore(UnaryOperator<String> env) {
        List<EmailStore> stores = new ArrayList<>();
        List<String> names = new ArrayList<>();
        try {
            for (Configured c : configured(env)) {
                stores.add(c.provider().emailStore(env));
                names.add(c.provider().name() + " (" + c.masked() + ")");
            }
        } catch (RuntimeException e) {
            stores.forEach(EmailStore::close);
            throw e;
        }
        if (stores.isEmpty()) {
            LOG.info("email capture: no REDIS_URL or UPSTASH_REDIS_REST_URL/TOKEN set, so addresses are kept in this "
                    + "JVM's memory only and lost when it stops");
            return EmailStore.inMemory();
        }
        String dir = env.apply(SPOOL_VARIABLE);
        Path spool = Path.of(dir == null || dir.isBlank() ? "ratelimit-spool" : dir, "emails.spool");
        LOG.info("email capture: {} -> spool {}", String.join(" -> ", names), spool.toAbsolutePath());
        return EmailStore.failover(stores, spool);
    }

    /** Closes the backends it was given after the limiter. */
    private static final class Owning implements RateLimiter {
        private final RateLimiter limiter;
        private final List<RateLimitBackend> backends;

        Owning(RateLimiter limiter, List<RateLimitBackend> backends) {
            this.limiter = limiter;
            this.backends = backends;
        }

        @Override
        public Decision tryAcquire(String key, long permits) {
            return limiter.tryAcquire(key, permits);
        }

        @Override
        public CompletionStage<Decision> tryAcquireAsync(String key, long permits) {
            return limiter.tryAcquireAsync(key, permits);
        }

        @Override
        public Decision peek(String key, long permits) {
            return limiter.peek(key, permits);
        }

        @Override
        public void reset(String key) {
            limiter.reset(key);
        }

        @Override
        public Policy policy() {
            return limiter.policy();
        }

        @Override
        public void close() {
            limiter.close();
            backends.forEach(RateLimitBackend::close);
        }

        @Override
        public String toString() {
            return limiter.toString();
        }
    }
}
