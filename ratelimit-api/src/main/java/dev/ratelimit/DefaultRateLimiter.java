package dev.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The limiter: the local block cache, then the backends in order, each behind its circuit breakers
 * (one per partition the backend reports), then the failure policy — within one deadline.
 *
 * <p>Each backend gets its own deadline ({@link RateLimitBackend#deadline()}: a local Redis is not
 * an HTTP API in another region), cut short only by the limiter's overall deadline, which by
 * default is their sum; a fallback never takes budget from the backends before it, and an
 * in-memory fallback answers at once, even with no time left. The deadline runs from the moment
 * the caller asks. A backend whose breaker is open is skipped at once; when its breaker is due, one
 * background probe (a peek of the caller's key, which changes nothing) decides whether it closes,
 * so no caller waits on a backend that is known to be sick. Synchronous and asynchronous calls walk
 * the chain in the same code; a synchronous call waits for the result.
 */
final class DefaultRateLimiter implements RateLimiter {

    private static final Logger LOG = LoggerFactory.getLogger(RateLimiter.class);
    private static final int MAX_PARTITIONS = 1024;
    private static final String WARM_UP_KEY = "ratelimit-warm-up";

    private final class Link {
        final RateLimitBackend backend;
        final String name;
        final @Nullable InMemoryBackend memory;
        final boolean ownStages;
        final long deadlineNanos;
        final CircuitBreaker whole;
        final ConcurrentHashMap<Object, CircuitBreaker> partitions = new ConcurrentHashMap<>();
        final QuietLog failures = new QuietLog(LOG, Duration.ofSeconds(10));
        final QuietLog transitions = new QuietLog(LOG, Duration.ofSeconds(10));

        Link(RateLimitBackend backend) {
            this.backend = backend;
            this.name = backend.name();
            this.memory = backend instanceof InMemoryBackend m ? m : null;
            this.ownStages = backend instanceof ScriptedRateLimitBackend;
            this.deadlineNanos = backend.deadline().toNanos();
            this.whole = breaker(name);
        }

        CircuitBreaker breaker(String breakerName) {
            return new CircuitBreaker(
                    breakerName,
                    breakerWindow,
                    breakerFailures,
                    openFor,
                    breakerNanos,
                    (b, from, to) -> breakerChanged(this, b, from, to));
        }

        /** The breaker of the part of the backend that holds {@code key}. */
        CircuitBreaker breakerFor(String key) {
            if (memory != null) {
                return whole;
            }
            Object partition = backend.partition(key);
            if (partition == null) {
                return whole;
            }
            CircuitBreaker breaker = partitions.get(partition);
            if (breaker == null) {
                if (partitions.size() >= MAX_PARTITIONS) {
                    partitions.values().removeIf(b -> b.state() == BreakerState.CLOSED);
                }
                breaker = partitions.computeIfAbsent(partition, p -> breaker(name + " " + p));
            }
            return breaker;
        }

        void reconnected(Object partition) {
            if (partition == null) {
                whole.reconnected();
                partitions.values().forEach(CircuitBreaker::reconnected);
            } else {
                CircuitBreaker breaker = partitions.get(partition);
                if (breaker != null) {
                    breaker.reconnected();
                }
            }
        }
    }

    private final Policy policy;
    private final Link[] links;
    private final List<AutoCloseable> owned = new ArrayList<>();
    private final long deadlineNanos;
    private final FailurePolicy failurePolicy;
    private final Duration openFor;
    private final long failClosedRetryMicros;
    private final int breakerWindow;
    private final int breakerFailures;
    private final LongSupplier breakerNanos;
    private final RateLimitListener listener;
    private final Clock clock;
    private final @Nullable BlockCache blockCache;
    /** The primary backend when it is the in-memory one, whose decisions need no chain to walk. */
    private final @Nullable InMemoryBackend memoryFirst;

    DefaultRateLimiter(RateLimiter.Builder b, Policy policy) {
        this.policy = policy;
        this.clock = b.clock == null ? Clock.system() : b.clock;
        this.listener = GuardedListener.of(b.listener);
        this.failurePolicy = b.failurePolicy;
        this.openFor = b.openFor;
        this.failClosedRetryMicros = Durations.micros(b.openFor);
        this.breakerWindow = b.breakerWindow;
        this.breakerFailures = b.breakerFailures;
        // A configured clock (a TestClock in users' tests) also times the breakers' open intervals;
        // the default is the monotonic System.nanoTime.
        Clock configured = b.clock;
        this.breakerNanos = configured == null ? System::nanoTime : () -> configured.nowMicros() * 1_000;
        List<RateLimitBackend> chain = new ArrayList<>();
        try {
            if (b.environment != null) {
                List<Environment.Lease> leases = Environment.connect(b.environment);
                owned.addAll(leases);
                if (b.awaitConnection != null) {
                    Environment.await(leases, b.awaitConnection);
                }
                for (Environment.Lease lease : leases) {
                    chain.add(RateLimitBackend.scripted(lease.transport).build());
                }
                // Failing closed, a request no shared backend can decide is denied, not counted per JVM.
                boolean memory = leases.isEmpty() || failurePolicy == FailurePolicy.FAIL_OPEN;
                if (memory) {
                    chain.add(RateLimitBackend.inMemory(clock, InMemoryBackend.DEFAULT_MAX_KEYS));
                }
                Environment.logLimiter(policy, leases, memory);
            } else if (b.backend == null) {
                chain.add(RateLimitBackend.inMemory(clock, InMemoryBackend.DEFAULT_MAX_KEYS));
            } else {
                chain.add(b.backend);
            }
            if (b.leaseLifetime != null) {
                chain.set(
                        0, LeasingBackend.wrap(chain.get(0), b.leasePermits, b.leaseLifetime, b.deadline, configured));
            }
            chain.addAll(b.fallbacks);
            this.links = new Link[chain.size()];
            long sum = 0;
            for (int i = 0; i < links.length; i++) {
                links[i] = new Link(chain.get(i));
                sum += links[i].deadlineNanos;
                Link link = links[i];
                owned.add(link.backend.whenConnected(link::reconnected));
                if (link.backend instanceof ScriptedRateLimitBackend scripted) {
                    scripted.prepare(policy);
                }
            }
            this.deadlineNanos = b.deadline != null ? b.deadline.toNanos() : sum;
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        // In front of the in-memory backend a cache of denials would answer no faster than it.
        this.memoryFirst = links[0].memory;
        this.blockCache = b.blockCacheKeys > 0 && memoryFirst == null ? new BlockCache(b.blockCacheKeys, clock) : null;
        warmUp(b.awaitConnection != null);
    }

    /**
     * Sends one peek (which changes nothing) of a fixed key through the whole chain, its
     * answer ignored and its outcome neither counted by a breaker nor reported, so that the first
     * callers do not pay within their deadline for what a first call costs: on the client, the
     * first run of the call path (class loading, linking, the deadline timer's thread); on the
     * server, a script's first call. With {@code awaitConnection} the build waits for it (within
     * the chain's deadlines); otherwise it runs in the background.
     */
    private void warmUp(boolean wait) {
        CompletableFuture<Decision> warm;
        try {
            warm = walk(WARM_UP_KEY, 1, false, System.nanoTime(), 0, true);
        } catch (RuntimeException e) {
            // The warm-up is only a head start: the first caller meets whatever went wrong here.
            return;
        }
        if (wait) {
            warm.join();
        }
    }

    @Override
    public Decision tryAcquire(String key, long permits) {
        InMemoryBackend memory = memoryFirst;
        if (memory != null && listener == RateLimitListener.NONE) {
            // The chain's first answer is final: the in-memory backend neither fails nor waits.
            check(key, permits);
            return memory.decide(key, policy, permits);
        }
        long start = System.nanoTime();
        return notify(key, decide(key, permits, true, start).join(), start);
    }

    @Override
    public Decision peek(String key, long permits) {
        return decide(key, permits, false, System.nanoTime()).join();
    }

    @Override
    public CompletionStage<Decision> tryAcquireAsync(String key, long permits) {
        long start = System.nanoTime();
        CompletableFuture<Decision> decision = decide(key, permits, true, start);
        return listener == RateLimitListener.NONE ? decision : decision.thenApply(d -> notify(key, d, start));
    }

    /** The decision; never completes exceptionally (programmer errors throw at once). */
    private CompletableFuture<Decision> decide(String key, long permits, boolean consume, long start) {
        check(key, permits);
        if (blockCache != null && permits > 0) {
            Decision blocked = blockCache.answer(Keys.bounded(key), permits);
            if (blocked != null) {
                return CompletableFuture.completedFuture(blocked);
            }
        }
        return walk(key, permits, consume, start, 0, false);
    }

    /**
     * Asks backend {@code from}, and the ones after it while they fail, miss their budget or are
     * skipped; a {@code quiet} walk (the warm-up) leaves the breakers, the block cache, the log and
     * the listener alone.
     */
    private CompletableFuture<Decision> walk(
            String key, long permits, boolean consume, long start, int from, boolean quiet) {
        for (int i = from; i < links.length; i++) {
            Link link = links[i];
            CircuitBreaker breaker = link.breakerFor(key);
            if (!breaker.allowsCalls()) {
                if (!quiet) {
                    probe(link, breaker, key);
                }
                continue;
            }
            if (link.memory != null) {
                Decision d =
                        consume ? link.memory.decide(key, policy, permits) : link.memory.peekNow(key, policy, permits);
                return CompletableFuture.completedFuture(quiet ? d : answered(key, permits, consume, i, d));
            }
            long sent = System.nanoTime();
            long budget = Math.min(link.deadlineNanos, start + deadlineNanos - sent);
            if (budget <= 0) {
                continue;
            }
            int epoch = breaker.epoch();
            CompletableFuture<Decision> pending;
            try {
                pending = (consume
                                ? link.backend.evaluate(key, policy, permits)
                                : link.backend.peek(key, policy, permits))
                        .toCompletableFuture();
            } catch (RuntimeException e) {
                if (!quiet) {
                    breaker.record(epoch, true);
                    failed(link, i, e);
                }
                continue;
            }
            if (pending.isDone() && !pending.isCompletedExceptionally() && !quiet) {
                breaker.record(epoch, false);
                return CompletableFuture.completedFuture(answered(key, permits, consume, i, pending.join()));
            }
            // The scripted backend returns a new stage per call, which the deadline may fail; any
            // other backend's future is left alone, and a copy of it fails at the budget's end instead.
            CompletableFuture<Decision> bounded = link.ownStages ? pending : pending.copy();
            if (!bounded.isDone()) {
                Deadlines.watch(bounded, sent + budget);
            }
            int index = i;
            return bounded.thenApply(d -> {
                        if (quiet) {
                            return d;
                        }
                        breaker.record(epoch, false);
                        return answered(key, permits, consume, index, d);
                    })
                    .exceptionallyCompose(f -> {
                        if (!quiet) {
                            breaker.record(epoch, true);
                            failed(link, index, unwrap(f));
                        }
                        return walk(key, permits, consume, start, index + 1, quiet);
                    });
        }
        return CompletableFuture.completedFuture(failurePolicy(permits));
    }

    private Decision answered(String key, long permits, boolean consume, int i, Decision decision) {
        if (i > 0) {
            decision = decision.withSource(Decision.Source.FALLBACK, links[i].name);
            listener.onFallback(key, links[i].name);
        }
        if (blockCache != null && permits > 0) {
            blockCache.learn(Keys.bounded(key), permits, consume, decision);
        }
        return decision;
    }

    private void failed(Link link, int i, Throwable failure) {
        String next = i + 1 < links.length ? links[i + 1].name : "the failure policy (" + failurePolicy + ")";
        link.failures.warn(link.name + " failed (" + describe(failure) + "); the decision went to " + next);
        listener.onBackendFailure(link.name, failure);
    }

    /** Sends the breaker's probe in the background if it is due: a peek of {@code key}, which changes nothing. */
    private void probe(Link link, CircuitBreaker breaker, String key) {
        if (!breaker.probeDue()) {
            return;
        }
        int epoch = breaker.epoch();
        CompletableFuture<Decision> probe;
        try {
            probe = link.backend.peek(key, policy, 0).toCompletableFuture();
        } catch (RuntimeException e) {
            breaker.probed(epoch, false);
            return;
        }
        CompletableFuture<?> unused = probe.copy()
                .orTimeout(Math.max(link.deadlineNanos, 1), TimeUnit.NANOSECONDS)
                .whenComplete((decision, failure) -> breaker.probed(epoch, failure == null));
    }

    private void breakerChanged(Link link, String breaker, BreakerState from, BreakerState to) {
        if (to == BreakerState.OPEN) {
            link.transitions.warn("circuit breaker for " + breaker + " is open: decisions skip it for "
                    + openFor.toMillis() + " ms or until it reconnects, then one probe decides");
        } else if (to == BreakerState.CLOSED) {
            link.transitions.warn("circuit breaker for " + breaker + " is closed: decisions go to it again");
        }
        listener.onBreakerStateChange(breaker, from, to);
    }

    @Override
    public void reset(String key) {
        check(key, 0);
        if (blockCache != null) {
            blockCache.forget(Keys.bounded(key));
        }
        List<String> failures = new ArrayList<>();
        RuntimeException first = null;
        for (Link link : links) {
            try {
                link.backend
                        .reset(key, policy)
                        .toCompletableFuture()
                        .get(Math.max(link.deadlineNanos, deadlineNanos), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while resetting a key", e);
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                failures.add(link.name);
                if (first == null) {
                    first = new IllegalStateException("could not reset a key on " + link.name, unwrap(e));
                }
            }
        }
        if (failures.size() == links.length) {
            throw first;
        }
        if (!failures.isEmpty()) {
            LOG.warn("reset reached only some backends; it failed on {}", failures);
        }
    }

    @Override
    public Policy policy() {
        return policy;
    }

    @Override
    public void close() {
        for (AutoCloseable resource : owned) {
            try {
                resource.close();
            } catch (Exception e) {
                LOG.warn("closing {} failed", resource, e);
            }
        }
    }

    private void check(String key, long permits) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException(
                    "key must be a non-empty string; got " + (key == null ? "null" : "\"\""));
        }
        policy.checkPermits(permits);
    }

    private Decision failurePolicy(long permits) {
        boolean open = failurePolicy == FailurePolicy.FAIL_OPEN;
        List<Decision> each = new ArrayList<>(policy.limits().size());
        for (int i = 0; i < policy.limits().size(); i++) {
            long capacity = policy.limits().get(i).capacity();
            each.add(Decision.ofLimit(
                    policy, i, open, open ? capacity - permits : 0, 0, open ? 0 : failClosedRetryMicros));
        }
        return Decision.combine(policy, each)
                .withSource(open ? Decision.Source.FAIL_OPEN : Decision.Source.FAIL_CLOSED, null);
    }

    private Decision notify(String key, Decision decision, long start) {
        if (listener != RateLimitListener.NONE) {
            listener.onDecision(key, decision, System.nanoTime() - start);
        }
        return decision;
    }

    @Override
    public java.util.Map<String, BreakerState> breakerStates() {
        java.util.Map<String, BreakerState> states = new java.util.TreeMap<>();
        for (Link link : links) {
            states.put(link.whole.name(), link.whole.state());
            link.partitions.values().forEach(b -> states.put(b.name(), b.state()));
        }
        return states;
    }

    @Override
    public int blockedKeys() {
        return blockCache == null ? 0 : blockCache.size();
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static String describe(Throwable failure) {
        if (failure instanceof TimeoutException) {
            return "missed the deadline";
        }
        String message = failure.getMessage();
        return failure.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    BreakerState breakerState(int backend) {
        return links[backend].whole.state();
    }

    @Override
    public String toString() {
        StringBuilder chain = new StringBuilder();
        for (Link link : links) {
            chain.append(chain.length() == 0 ? "" : " -> ").append(link.name);
        }
        return "RateLimiter[" + policy + ", " + chain + ", deadline=" + Duration.ofNanos(deadlineNanos) + ", "
                + failurePolicy + "]";
    }
}
