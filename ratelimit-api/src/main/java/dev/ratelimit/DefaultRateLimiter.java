package dev.ratelimit;

import dev.ratelimit.spi.RateLimitBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

final class DefaultRateLimiter implements RateLimiter {

    private static final Logger LOG = LoggerFactory.getLogger(RateLimiter.class);
    private static final long FAIL_CLOSED_RETRY_MICROS = 1_000_000L;

    private final Policy policy;
    private final RateLimitBackend backend;
    private final boolean ownsBackend;
    private final long deadlineNanos;
    private final FailurePolicy failurePolicy;
    private final RateLimitListener listener;

    DefaultRateLimiter(RateLimiter.Builder builder) {
        this.policy = builder.policy;
        this.ownsBackend = builder.backend == null;
        this.backend = ownsBackend
                ? RateLimitBackend.inMemory(builder.clock == null ? Clock.system() : builder.clock, 100_000)
                : builder.backend;
        this.deadlineNanos = builder.deadline.toNanos();
        this.failurePolicy = builder.failurePolicy;
        this.listener = builder.listener;
    }

    @Override
    public Decision tryAcquire(String key, long permits) {
        return notify(key, decide(key, permits));
    }

    @Override
    public CompletionStage<Decision> tryAcquireAsync(String key, long permits) {
        check(key, permits);
        CompletableFuture<Decision> pending;
        try {
            pending = backend.evaluate(key, policy, permits).toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(notify(key, failed(permits, e)));
        }
        if (!pending.isDone()) {
            pending = pending.copy().orTimeout(deadlineNanos, TimeUnit.NANOSECONDS);
        }
        return pending.handle((decision, failure) ->
                notify(key, failure == null ? decision : failed(permits, unwrap(failure))));
    }

    @Override
    public Decision peek(String key) {
        return decide(key, 0);
    }

    @Override
    public void reset(String key) {
        check(key, 0);
        try {
            backend.reset(key, policy).toCompletableFuture().get(deadlineNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while resetting a key on " + backend.name(), e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            throw new IllegalStateException("could not reset a key on " + backend.name(), unwrap(e));
        }
    }

    @Override
    public Policy policy() {
        return policy;
    }

    @Override
    public void close() {
        if (ownsBackend) {
            backend.close();
        }
    }

    private Decision decide(String key, long permits) {
        check(key, permits);
        CompletableFuture<Decision> pending;
        try {
            pending = backend.evaluate(key, policy, permits).toCompletableFuture();
            if (pending.isDone()) {
                return pending.join();
            }
            return pending.get(deadlineNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed(permits, e);
        } catch (ExecutionException | CompletionException | TimeoutException e) {
            return failed(permits, unwrap(e));
        } catch (RuntimeException e) {
            return failed(permits, e);
        }
    }

    private void check(String key, long permits) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("key must be a non-empty string; got " + (key == null ? "null" : "\"\""));
        }
        policy.checkPermits(permits);
    }

    private Decision failed(long permits, Throwable failure) {
        try {
            listener.onBackendFailure(backend.name(), failure);
        } catch (RuntimeException e) {
            LOG.warn("RateLimitListener.onBackendFailure threw; ignored", e);
        }
        boolean open = failurePolicy == FailurePolicy.FAIL_OPEN;
        List<Decision> each = new ArrayList<>(policy.limits().size());
        for (int i = 0; i < policy.limits().size(); i++) {
            long capacity = policy.limits().get(i).capacity();
            each.add(Decision.ofLimit(policy, i, open, open ? capacity - permits : 0, 0,
                    open ? 0 : FAIL_CLOSED_RETRY_MICROS));
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

    @Override
    public String toString() {
        return "RateLimiter[" + policy + ", backend=" + backend.name() + ", deadline="
                + java.time.Duration.ofNanos(deadlineNanos) + ", " + failurePolicy + "]";
    }
}
