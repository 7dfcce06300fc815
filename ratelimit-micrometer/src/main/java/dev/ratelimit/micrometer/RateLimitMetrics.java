package dev.ratelimit.micrometer;

import dev.ratelimit.BreakerState;
import dev.ratelimit.Decision;
import dev.ratelimit.EmailStore;
import dev.ratelimit.RateLimitListener;
import dev.ratelimit.RateLimiter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;

/**
 * Micrometer meters for rate limiters and email stores. Tags never name a key: keys are
 * unbounded, policies, outcomes, sources and backends are not.
 *
 * <table>
 *   <caption>The meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>fed by</th></tr>
 *   <tr><td>{@code ratelimit.decisions}</td><td>timer: its count is the number of decisions, its
 *       time how long they took</td><td>{@code policy}, {@code outcome} ({@code allowed},
 *       {@code denied}), {@code source} ({@code backend}, {@code fallback},
 *       {@code local_block_cache}, {@code fail_open}, {@code fail_closed}, and in lease mode
 *       {@code lease}: spent in this JVM from a reserved slice, while {@code backend} counts the
 *       requests that reserved one)</td><td>{@link #listener()}</td></tr>
 *   <tr><td>{@code ratelimit.fallbacks}</td><td>counter</td><td>{@code fallback} (the backend that
 *       answered)</td><td>{@link #listener()}</td></tr>
 *   <tr><td>{@code ratelimit.backend.failures}</td><td>counter</td><td>{@code backend},
 *       {@code exception} (the failure's simple class name)</td><td>{@link #listener()}</td></tr>
 *   <tr><td>{@code ratelimit.breaker.transitions}</td><td>counter</td><td>{@code breaker},
 *       {@code state} (the new one)</td><td>{@link #listener()}</td></tr>
 *   <tr><td>{@code ratelimit.breaker.state}</td><td>gauge, 1 for the breaker's current state and 0
 *       for the others</td><td>{@code policy}, {@code breaker} (a backend, or a part of one such as
 *       a Cluster node), {@code state} ({@code closed}, {@code open}, {@code half_open})</td><td>{@link #bind(RateLimiter)}</td></tr>
 *   <tr><td>{@code ratelimit.blocked.keys}</td><td>gauge: keys in the local block cache</td><td>{@code policy}</td><td>{@link #bind(RateLimiter)}</td></tr>
 *   <tr><td>{@code ratelimit.emails.added}</td><td>counter</td><td>{@code result} ({@code added},
 *       {@code already_present}, {@code spooled}, {@code invalid}, {@code failed})</td><td>{@link #meter(EmailStore)}</td></tr>
 *   <tr><td>{@code ratelimit.emails.spooled}</td><td>gauge: addresses waiting in the spool</td><td></td><td>{@link #meter(EmailStore)}</td></tr>
 * </table>
 *
 * <pre>{@code
 * RateLimitMetrics metrics = RateLimitMetrics.of(registry);
 * RateLimiter limiter = RateLimiter.builder().policy(policy).fromEnvironment()
 *         .listener(metrics.listener())          // or metrics.listener(yourListener)
 *         .build();
 * metrics.bind(limiter);
 * EmailStore emails = metrics.meter(EmailStore.fromEnvironment());
 * }</pre>
 *
 * <p>The decision timer publishes no percentiles unless asked ({@link Builder#percentiles}); with
 * Spring Boot, {@code management.metrics.distribution.*} properties apply to it as to any timer.
 * Gauges hold their limiter or store weakly. Thread-safe.
 */
public final class RateLimitMetrics {

    private static final String[] OUTCOMES = {"allowed", "denied"};
    private static final Decision.Source[] SOURCES = Decision.Source.values();

    private final MeterRegistry registry;
    private final double @Nullable [] percentiles;
    private final boolean histogram;
    /** Per policy name, the decision timers by outcome and source, made when first needed. */
    private final Map<String, AtomicReferenceArray<Timer>> decisions = new ConcurrentHashMap<>();

    private final Map<String, Counter> fallbacks = new ConcurrentHashMap<>();
    /** Limiters bound, to find breakers that appear later (a Cluster node's). */
    private final List<WeakReference<RateLimiter>> bound = new CopyOnWriteArrayList<>();

    private final Set<String> breakerGauges = ConcurrentHashMap.newKeySet();
    private final RateLimitListener listener = new Listener();

    private RateLimitMetrics(Builder b) {
        this.registry = b.registry;
        this.percentiles = b.percentiles;
        this.histogram = b.histogram;
    }

    /**
     * Metrics in {@code registry}, with the defaults: no percentiles, no histogram.
     *
     * @param registry where the meters are registered; not null
     * @return the metrics, with nothing registered yet
     */
    public static RateLimitMetrics of(MeterRegistry registry) {
        return builder(registry).build();
    }

    /**
     * A builder for metrics in {@code registry}.
     *
     * @param registry where the meters are registered; not null
     * @return a builder with the defaults
     * @throws NullPointerException if {@code registry} is null
     */
    public static Builder builder(MeterRegistry registry) {
        return new Builder(registry);
    }

    /**
     * The listener to give a limiter's builder ({@code RateLimiter.Builder.listener}); one listener
     * serves any number of limiters. Recording a decision looks up a cached timer: no allocation.
     *
     * @return the same listener on every call
     */
    public RateLimitListener listener() {
        return listener;
    }

    /**
     * A listener that records, then passes every event on to {@code also} — for a limiter that has
     * a listener of its own, since a limiter takes one. An exception from either is logged and does
     * not keep the event from the other.
     *
     * @param also the listener that hears every event after the metrics; not null
     * @return a new listener for both, the metrics first
     * @throws NullPointerException if {@code also} is null
     */
    public RateLimitListener listener(RateLimitListener also) {
        return RateLimitListener.all(List.of(listener, Objects.requireNonNull(also, "also")));
    }

    /**
     * Registers the gauges of {@code limiter}: the state of each of its circuit breakers and the
     * size of its block cache. Decisions are recorded by {@link #listener()}, which the limiter must
     * have been built with. Breakers that appear later (a Cluster node's) get their gauges at their
     * first state change.
     *
     * @param limiter the limiter, held weakly; not null
     * @throws NullPointerException if {@code limiter} is null
     */
    public void bind(RateLimiter limiter) {
        Objects.requireNonNull(limiter, "limiter");
        bound.add(new WeakReference<>(limiter));
        String policy = limiter.policy().name();
        Gauge.builder("ratelimit.blocked.keys", limiter, RateLimiter::blockedKeys)
                .description("Keys in the limiter's local block cache, denied without a backend call")
                .tag("policy", policy)
                .register(registry);
        breakerGauges(limiter);
    }

    private void breakerGauges(RateLimiter limiter) {
        String policy = limiter.policy().name();
        for (String breaker : limiter.breakerStates().keySet()) {
            if (breakerGauges.add(policy + '\0' + breaker)) {
                for (BreakerState state : BreakerState.values()) {
                    Gauge.builder(
                                    "ratelimit.breaker.state",
                                    limiter,
                                    l -> l.breakerStates().get(breaker) == state ? 1 : 0)
                            .description("1 for the circuit breaker's current state, 0 for the others")
                            .tags(
                                    "policy",
                                    policy,
                                    "breaker",
                                    breaker,
                                    "state",
                                    state.name().toLowerCase(Locale.ROOT))
                            .register(registry);
                }
            }
        }
    }

    /**
     * Returns {@code store} counting the results of {@code add} ({@code ratelimit.emails.added}),
     * and registers the gauge of its spool's length ({@code ratelimit.emails.spooled}). Use the
     * returned store; closing it closes {@code store}.
     *
     * @param store the store to count; the spool gauge holds it weakly
     * @return a store that passes every call to {@code store} and counts the results of
     *     {@code add}
     * @throws NullPointerException if {@code store} is null
     */
    public EmailStore meter(EmailStore store) {
        Objects.requireNonNull(store, "store");
        Gauge.builder("ratelimit.emails.spooled", store, EmailStore::spooled)
                .description("Email addresses waiting in the spool for a store to take them")
                .register(registry);
        return new MeteredEmailStore(store, registry);
    }

    private Timer timer(String policy, int outcome, int source) {
        AtomicReferenceArray<Timer> timers =
                decisions.computeIfAbsent(policy, p -> new AtomicReferenceArray<>(OUTCOMES.length * SOURCES.length));
        int index = outcome * SOURCES.length + source;
        Timer timer = timers.get(index);
        if (timer == null) {
            Timer.Builder b = Timer.builder("ratelimit.decisions")
                    .description("Rate-limit decisions (tryAcquire), by outcome and by who answered")
                    .tags(
                            "policy",
                            policy,
                            "outcome",
                            OUTCOMES[outcome],
                            "source",
                            SOURCES[source].name().toLowerCase(Locale.ROOT));
            if (percentiles != null) {
                b.publishPercentiles(percentiles);
            }
            if (histogram) {
                b.publishPercentileHistogram();
            }
            // The registry returns the one timer of these tags however often it is asked, so a
            // race here only writes the same timer twice.
            timer = b.register(registry);
            timers.set(index, timer);
        }
        return timer;
    }

    private final class Listener implements RateLimitListener {
        @SuppressWarnings("EnumOrdinal") // the index of SOURCES, which is Source.values()
        @Override
        public void onDecision(String key, Decision decision, long elapsedNanos) {
            timer(
                            decision.policy().name(),
                            decision.allowed() ? 0 : 1,
                            decision.source().ordinal())
                    .record(elapsedNanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public void onBackendFailure(String backend, Throwable failure) {
            registry.counter(
                            "ratelimit.backend.failures",
                            "backend",
                            backend,
                            "exception",
                            failure.getClass().getSimpleName())
                    .increment();
        }

        @Override
        public void onFallback(String key, String fallback) {
            fallbacks
                    .computeIfAbsent(
                            fallback,
                            f -> Counter.builder("ratelimit.fallbacks")
                                    .description(
                                            "Decisions a fallback answered because the backends before it could not")
                                    .tag("fallback", f)
                                    .register(registry))
                    .increment();
        }

        @Override
        public void onBreakerStateChange(String breaker, BreakerState from, BreakerState to) {
            registry.counter(
                            "ratelimit.breaker.transitions",
                            "breaker",
                            breaker,
                            "state",
                            to.name().toLowerCase(Locale.ROOT))
                    .increment();
            List<WeakReference<RateLimiter>> gone = new ArrayList<>();
            for (WeakReference<RateLimiter> ref : bound) {
                RateLimiter limiter = ref.get();
                if (limiter == null) {
                    gone.add(ref);
                } else {
                    breakerGauges(limiter);
                }
            }
            bound.removeAll(gone);
        }
    }

    /** Configures {@link RateLimitMetrics}. */
    public static final class Builder {
        private final MeterRegistry registry;
        private double @Nullable [] percentiles;
        private boolean histogram;

        private Builder(MeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
        }

        /**
         * Percentiles of the decision time to publish, computed in this JVM, such as {@code 0.5,
         * 0.99} (default: none).
         *
         * @param percentiles each between 0 and 1; none to publish no percentiles (the array is
         *     copied)
         * @return this builder
         * @throws IllegalArgumentException unless each is between 0 and 1
         */
        public Builder percentiles(double... percentiles) {
            for (double p : percentiles) {
                if (!(p >= 0 && p <= 1)) {
                    throw new IllegalArgumentException("a percentile is between 0 and 1; got " + p);
                }
            }
            this.percentiles = percentiles.length == 0 ? null : percentiles.clone();
            return this;
        }

        /**
         * Whether to publish a histogram of the decision time, for percentiles aggregated in the
         * monitoring system (default: no).
         *
         * @param histogram true to publish the histogram
         * @return this builder
         */
        public Builder percentileHistogram(boolean histogram) {
            this.histogram = histogram;
            return this;
        }

        /**
         * Builds the metrics. Nothing is registered yet: the meters of a limiter or store are
         * registered when it is bound ({@link RateLimitMetrics#bind}, {@link RateLimitMetrics#meter}),
         * the listener's timers and counters at the first event that feeds each.
         *
         * @return the metrics
         */
        public RateLimitMetrics build() {
            return new RateLimitMetrics(this);
        }
    }
}
