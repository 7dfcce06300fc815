package dev.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The limiter: a local block cache, then the backends in order, each behind its circuit breaker,
 * then the failure policy — all within one deadline.
 *
 * <p>The primary gets half of the deadline when it has fallbacks, so that a hanging primary leaves
 * room for them; each fallback gets the time left (an in-memory fallback answers at once, even with
 * none left). A backend whose breaker is open is skipped
 * at once; when its open interval has passed, one background probe (a peek, which changes nothing)
 * decides whether it closes, so no caller waits on a backend that is known to be sick.
 */
final class DefaultRateLimiter implements RateLimiter {

    private static final Logger LOG = LoggerFactory.getLogger(RateLimiter.class);
    private static final String PROBE_KEY = "__ratelimit_probe__";

    private static final class Link {
        final RateLimitBackend backend;
        final String name;
        final CircuitBreaker breaker;
        final QuietLog failures;

        Link(RateLimitBackend backend, CircuitBreaker breaker) {
            this.backend = backend;
            this.name = backend.name();
            this.breaker = breaker;
            this.failures = new QuietLog(LOG, Duration.ofSeconds(10));
        }
    }

    private final Policy policy;
    private final Link[] links;
    private final List<AutoCloseable> owned;
    private final long deadlineNanos;
    private final FailurePolicy failurePolicy;
    private final long failClosedRetryMicros;
    private final RateLimitListener listener;
    private final Clock clock;
    private final BlockCache blockCache;

    DefaultRateLimiter(RateLimiter.Builder b) {
        this.policy = b.policy;
        this.clock = b.clock == null ? Clock.system() : b.clock;
        this.listener = b.listener;
        this.deadlineNanos = b.deadline.toNanos();
        this.failurePolicy = b.failurePolicy;
        this.failClosedRetryMicros = b.openFor.toNanos() / 1_000;
        this.owned = new ArrayList<>();
        List<RateLimitBackend> chain = new ArrayList<>();
        if (b.environment != null) {
            List<Environment.Lease> leases = Environment.connect(b.environment);
            owned.addAll(leases);
            if (b.awaitConnection != null) {
                Environment.await(leases, b.awaitConnection);
            }
            for (Environment.Lease lease : leases) {
                chain.add(RateLimitBackend.scripted(lease.transport).build());
            }
            chain.add(RateLimitBackend.inMemory(clock, InMemoryBackend.DEFAULT_MAX_KEYS));
            Environment.logLimiter(policy, leases);
        } else if (b.backend == null) {
            chain.add(RateLimitBackend.inMemory(clock, InMemoryBackend.DEFAULT_MAX_KEYS));
        } else {
            chain.add(b.backend);
        }
        chain.addAll(b.fallbacks);
        this.links = new Link[chain.size()];
        // A configured clock (a TestClock in users' tests) also times the breakers' open intervals;
        // the default is the monotonic System.nanoTime.
        Clock configured = b.clock;
        LongSupplier breakerNanos = configured == null ? System::nanoTime : () -> configured.nowMicros() * 1_000;
        for (int i = 0; i < links.length; i++) {
            links[i] = new Link(chain.get(i), new CircuitBreaker(chain.get(i).name(), b.failureThreshold, b.openFor,
                    breakerNanos, this::breakerChanged));
        }
        this.blockCache = b.blockCacheKeys > 0 ? new BlockCache(b.blockCacheKeys, clock) : null;
    }

    @Override
    public Decision tryAcquire(String key, long permits) {
        return notify(key, decide(key, permits, true));
    }

    @Override
    public Decision peek(String key, long permits) {
        return decide(key, permits, false);
    }

    private Decision decide(String key, long permits, boolean consume) {
        check(key, permits);
        Decision blocked = blocked(key, permits);
        if (blocked != null) {
            return blocked;
        }
        // The deadline starts when a backend first makes the caller wait: asking a backend only
        // starts its work, and the in-memory backend answers before any clock would be read.
        long deadline = 0;
        boolean started = false;
        Throwable last = null;
        for (int i = 0; i < links.length; i++) {
            Link link = links[i];
            if (!link.breaker.allowsCalls()) {
                probeIfDue(link);
                continue;
            }
            Decision decision;
            try {
                decision = consume && link.backend instanceof InMemoryBackend memory ? memory.decide(key, policy, permits)
                        : null;
                if (decision == null) {
                    CompletableFuture<Decision> pending = (consume ? link.backend.evaluate(key, policy, permits)
                            : link.backend.peek(key, policy, permits)).toCompletableFuture();
                    if (pending.isDone()) {
                        decision = pending.join();
                    } else {
                        if (!started) {
                            deadline = System.nanoTime() + deadlineNanos;
                            started = true;
                        }
                        long budget = budget(i, deadline);
                        if (budget <= 0) {
                            continue;
                        }
                        decision = pending.get(budget, TimeUnit.NANOSECONDS);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return failed(permits, e);
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                last = unwrap(e);
                failed(link, i, last);
                continue;
            }
            link.breaker.onSuccess();
            return answered(key, permits, consume, i, decision);
        }
        return failed(permits, last);
    }

    @Override
    public CompletionStage<Decision> tryAcquireAsync(String key, long permits) {
        check(key, permits);
        Decision blocked = blocked(key, permits);
        if (blocked != null) {
            return CompletableFuture.completedFuture(notify(key, blocked));
        }
        CompletableFuture<Decision> decision = attempt(key, permits, 0, System.nanoTime() + deadlineNanos, null);
        return listener == RateLimitListener.NONE ? decision : decision.thenApply(d -> notify(key, d));
    }

    /** Asks backend {@code i} and, if it fails or misses its budget, the ones after it; never fails. */
    private CompletableFuture<Decision> attempt(String key, long permits, int i, long deadline, Throwable last) {
        if (i == links.length) {
            return CompletableFuture.completedFuture(failed(permits, last));
        }
        Link link = links[i];
        if (!link.breaker.allowsCalls()) {
            probeIfDue(link);
            return attempt(key, permits, i + 1, deadline, last);
        }
        CompletableFuture<Decision> pending;
        try {
            Decision now = link.backend instanceof InMemoryBackend memory ? memory.decide(key, policy, permits) : null;
            if (now != null) {
                link.breaker.onSuccess();
                return CompletableFuture.completedFuture(answered(key, permits, true, i, now));
            }
            pending = link.backend.evaluate(key, policy, permits).toCompletableFuture();
        } catch (RuntimeException e) {
            failed(link, i, e);
            return attempt(key, permits, i + 1, deadline, e);
        }
        CompletableFuture<Decision> call = pending;
        if (!pending.isDone()) {
            long budget = budget(i, deadline);
            if (budget <= 0) {
                return attempt(key, permits, i + 1, deadline, last);
            }
            // The backend's own future is left alone; this one may also fail at the deadline.
            call = new CompletableFuture<>();
            CompletableFuture<Decision> guarded = call;
            pending.whenComplete((decision, failure) -> {
                if (failure == null) {
                    guarded.complete(decision);
                } else {
                    guarded.completeExceptionally(failure);
                }
            });
            Deadlines.watch(guarded, System.nanoTime() + budget);
        }
        CompletableFuture<Decision> result = new CompletableFuture<>();
        call.whenComplete((decision, failure) -> {
            if (failure == null) {
                link.breaker.onSuccess();
                result.complete(answered(key, permits, true, i, decision));
            } else {
                Throwable cause = unwrap(failure);
                failed(link, i, cause);
                attempt(key, permits, i + 1, deadline, cause).whenComplete((next, never) -> result.complete(next));
            }
        });
        return result;
    }

    private long budget(int i, long deadline) {
        long remaining = deadline - System.nanoTime();
        return i == 0 && links.length > 1 ? remaining / 2 : remaining;
    }

    private Decision blocked(String key, long permits) {
        return blockCache != null && permits > 0 ? blockCache.answer(Keys.bounded(key), permits) : null;
    }

    private Decision answered(String key, long permits, boolean consume, int i, Decision decision) {
        if (i > 0) {
            decision = decision.withSource(Decision.Source.FALLBACK, links[i].name);
            try {
                listener.onFallback(key, links[i].name);
            } catch (RuntimeException e) {
                LOG.warn("RateLimitListener.onFallback threw; ignored", e);
            }
        }
        if (blockCache != null && permits > 0) {
            blockCache.learn(Keys.bounded(key), permits, consume, decision);
        }
        return decision;
    }

    private void failed(Link link, int i, Throwable failure) {
        link.breaker.onFailure();
        String next = i + 1 < links.length ? links[i + 1].name : "the failure policy (" + failurePolicy + ")";
        link.failures.warn(link.name + " failed (" + describe(failure) + "); the decision went to " + next);
        try {
            listener.onBackendFailure(link.name, failure);
        } catch (RuntimeException e) {
            LOG.warn("RateLimitListener.onBackendFailure threw; ignored", e);
        }
    }

    private void probeIfDue(Link link) {
        if (!link.breaker.probeDue()) {
            return;
        }
        CompletableFuture<Decision> probe;
        try {
            probe = link.backend.peek(PROBE_KEY, policy, 0).toCompletableFuture();
        } catch (RuntimeException e) {
            link.breaker.onFailure();
            return;
        }
        probe.copy().orTimeout(deadlineNanos, TimeUnit.NANOSECONDS).whenComplete((decision, failure) -> {
            if (failure == null) {
                link.breaker.onSuccess();
            } else {
                link.breaker.onFailure();
            }
        });
    }

    private void breakerChanged(String backend, BreakerState from, BreakerState to) {
        if (to == BreakerState.OPEN) {
            LOG.warn("circuit breaker for {} is open: decisions skip it for {} ms, then one probe decides",
                    backend, failClosedRetryMicros / 1_000);
        } else if (to == BreakerState.CLOSED) {
            LOG.info("circuit breaker for {} is closed: decisions go to it again", backend);
        }
        try {
            listener.onBreakerStateChange(backend, from, to);
        } catch (RuntimeException e) {
            LOG.warn("RateLimitListener.onBreakerStateChange threw; ignored", e);
        }
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
                link.backend.reset(key, policy).toCompletableFuture().get(deadlineNanos, TimeUnit.NANOSECONDS);
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
            throw new IllegalArgumentException("key must be a non-empty string; got " + (key == null ? "null" : "\"\""));
        }
        policy.checkPermits(permits);
    }

    private Decision failed(long permits, Throwable failure) {
        boolean open = failurePolicy == FailurePolicy.FAIL_OPEN;
        List<Decision> each = new ArrayList<>(policy.limits().size());
        for (int i = 0; i < policy.limits().size(); i++) {
            long capacity = policy.limits().get(i).capacity();
            each.add(Decision.ofLimit(policy, i, open, open ? capacity - permits : 0, 0,
                    open ? 0 : failClosedRetryMicros));
        }
        return Decision.combine(policy, each)
                .withSource(open ? Decision.Source.FAIL_OPEN : Decision.Source.FAIL_CLOSED, null);
    }

    private Decision notify(String key, Decision decision) {
        if (listener != RateLimitListener.NONE) {
            try {
                if (decision.allowed()) {
                    listener.onAllowed(key, decision);
                } else {
                    listener.onDenied(key, decision);
                }
            } catch (RuntimeException e) {
                LOG.warn("RateLimitListener threw; ignored", e);
            }
        }
        return decision;
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static String describe(Throwable failure) {
        if (failure == null) {
            return "no time left before the deadline";
        }
        if (failure instanceof TimeoutException) {
            return "missed the deadline";
        }
        String message = failure.getMessage();
        return failure.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    BreakerState breakerState(int backend) {
        return links[backend].breaker.state();
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
