package dev.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Lease mode ({@link RateLimiter.Builder#leases}) in front of a limiter's primary backend: a request
 * is served from the key's slice of permits reserved earlier, in memory, while the slice lasts and
 * is valid; otherwise one reservation ({@link Leasing#reserve}) takes a new slice, and every caller
 * of the key in this JVM waits for that one reservation rather than sending its own.
 *
 * <p>Why it never admits more than the policy allows, on every instance together: a slice is
 * consumed in the shared state when it is reserved, and a leased permit is spent only while it
 * would still count where it was consumed — before the windows current at the reservation end
 * (fixed and sliding windows), and no later than the start of its own emission interval (token
 * bucket: permit {@code k} of a slice whose first interval starts at {@code s} may be spent until
 * {@code s + (k - 1) × T}; a permit past that is skipped). Those instants are the backend's; they
 * are measured here from the moment the reservation was sent, which is before the backend's clock
 * was read, so a slice ends early by the round trip, never late. The permits a request spends
 * itself at its reservation count as that decision, like any backend decision.
 *
 * <p>Slice size: what the key used of its last slice per microsecond, times the lease lifetime —
 * one permit for a quiet key, up to {@code maxPermits} for a hot one — and never less than the
 * request. The backend cuts it to what every limit has left. A slice's unspent permits are lost
 * when it ends (expired or replaced): under-admission, at most one slice per instance and key.
 *
 * <p>A reservation that fails or misses its deadline fails its callers' decisions, which the
 * limiter then passes down its fallback chain to the failure policy, as for any backend call.
 */
final class LeasingBackend implements RateLimitBackend {

    /** The most keys with a slice tracked at once; past it, keys without one are decided by the backend. */
    static final int MAX_KEYS = 10_000;

    private final RateLimitBackend backend;
    private final Leasing leasing;
    private final long maxPermits;
    private final long lifetimeMicros;
    private final Clock clock;
    /** How long a reservation may take before its callers fail: the longer of the backend's and the limiter's deadline. */
    private final long waitNanos;

    private final ConcurrentHashMap<String, Slot> slots = new ConcurrentHashMap<>();
    private volatile long nextSweepNanos = System.nanoTime();

    /**
     * @param wait how long a reservation may take before its callers fail
     * @param clock this JVM's time for slices, never going back: the limiter's clock if it has one,
     *     else {@code System.nanoTime}
     */
    LeasingBackend(RateLimitBackend backend, long maxPermits, Duration lifetime, Duration wait, Clock clock) {
        this.backend = backend;
        this.waitNanos = wait.toNanos();
        this.leasing = (Leasing) backend;
        this.maxPermits = maxPermits;
        this.lifetimeMicros = Durations.micros(lifetime);
        this.clock = clock;
    }

    /**
     * {@code primary} in lease mode.
     *
     * @param limiterDeadline the limiter's deadline, if set: a reservation may take as long, or the
     *     backend's deadline if that is longer
     * @param configured the limiter's clock, or null for {@code System.nanoTime}: a slice's end must
     *     not move when the wall clock is set back
     * @throws IllegalStateException if {@code primary} cannot reserve
     */
    static RateLimitBackend wrap(
            RateLimitBackend primary,
            long maxPermits,
            Duration lifetime,
            @Nullable Duration limiterDeadline,
            @Nullable Clock configured) {
        if (!(primary instanceof Leasing)) {
            throw new IllegalStateException("leases(...) needs a primary backend that can reserve slices (memory, "
                    + "Redis, Upstash); " + primary.name() + " cannot");
        }
        Clock clock = configured != null ? configured : () -> System.nanoTime() / 1_000;
        Duration wait = primary.deadline();
        if (limiterDeadline != null && limiterDeadline.compareTo(wait) > 0) {
            wait = limiterDeadline;
        }
        return new LeasingBackend(primary, maxPermits, lifetime, wait, clock);
    }

    @Override
    public CompletionStage<Decision> evaluate(String key, Policy policy, long permits) {
        if (permits == 0) {
            return backend.evaluate(key, policy, 0);
        }
        policy.checkPermits(permits);
        Slot slot = slot(Keys.bounded(key), policy);
        if (slot == null) {
            return backend.evaluate(key, policy, permits);
        }
        return slot.acquire(key, permits);
    }

    private @Nullable Slot slot(String bounded, Policy policy) {
        Slot slot = slots.get(bounded);
        if (slot != null && slot.policy.equals(policy)) {
            return slot;
        }
        if (slot == null && slots.size() >= MAX_KEYS) {
            long nanos = System.nanoTime();
            if (nanos - nextSweepNanos >= 0) {
                // At most one sweep a second: at the cap, a flood of new keys must not scan the map each.
                nextSweepNanos = nanos + 1_000_000_000L;
                long now = clock.nowMicros();
                slots.values().removeIf(s -> s.idle(now));
            }
            if (slots.size() >= MAX_KEYS) {
                return null;
            }
        }
        Slot fresh = new Slot(policy);
        Slot existing = slots.putIfAbsent(bounded, fresh);
        if (existing == null) {
            return fresh;
        }
        return existing.policy.equals(policy) ? existing : null;
    }

    @Override
    public CompletionStage<Decision> peek(String key, Policy policy, long permits) {
        return backend.peek(key, policy, permits);
    }

    @Override
    public CompletionStage<Void> reset(String key, Policy policy) {
        slots.remove(Keys.bounded(key));
        return backend.reset(key, policy);
    }

    @Override
    public String name() {
        return backend.name();
    }

    /**
     * The backend's deadline; for one that answers at once (memory, whose deadline is zero), 1 s,
     * only so that the limiter does not skip it for want of time: it never waits for it.
     */
    @Override
    public Duration deadline() {
        Duration deadline = backend.deadline();
        return deadline.isZero() ? Duration.ofSeconds(1) : deadline;
    }

    @Override
    public @Nullable Object partition(String key) {
        return backend.partition(key);
    }

    @Override
    public AutoCloseable whenConnected(java.util.function.Consumer<Object> listener) {
        return backend.whenConnected(listener);
    }

    @Override
    public String toString() {
        return "LeasingBackend[" + backend + ", maxPermits=" + maxPermits + ", lifetime="
                + Durations.ofMicros(lifetimeMicros) + "]";
    }

    /** One reservation's outcome: the slice (null when denied) and the decision of the request that made it. */
    private record Outcome(@Nullable Lease lease, long permits, Decision decision) {}

    /** A key's slice and its reservation in flight. */
    private final class Slot {
        final Policy policy;
        private volatile @Nullable Lease lease;
        private @Nullable CompletableFuture<Outcome> inflight;

        Slot(Policy policy) {
            this.policy = policy;
        }

        boolean idle(long now) {
            Lease l = lease;
            synchronized (this) {
                return inflight == null && (l == null || now > l.spendBy);
            }
        }

        CompletableFuture<Decision> acquire(String key, long permits) {
            Lease current = lease;
            if (current != null) {
                Decision local = current.spend(permits, clock.nowMicros());
                if (local != null) {
                    return CompletableFuture.completedFuture(local);
                }
            }
            CompletableFuture<Outcome> pending;
            boolean mine = false;
            synchronized (this) {
                current = lease;
                if (current != null) {
                    Decision local = current.spend(permits, clock.nowMicros());
                    if (local != null) {
                        return CompletableFuture.completedFuture(local);
                    }
                }
                pending = inflight;
                if (pending == null) {
                    pending = reserve(key, permits, current);
                    mine = true;
                }
            }
            if (mine) {
                return pending.thenApply(Outcome::decision);
            }
            // A waiter: the new slice serves it, or the same denial does for a request of the same
            // size; anything else asks again.
            return pending.thenCompose(outcome -> outcome.lease == null && outcome.permits == permits
                    ? CompletableFuture.completedFuture(outcome.decision)
                    : acquire(key, permits));
        }

        /** Sends the reservation; called holding the slot's lock. */
        private CompletableFuture<Outcome> reserve(String key, long permits, @Nullable Lease previous) {
            long sent = clock.nowMicros();
            long want = permits;
            if (previous != null) {
                long used = Math.min(previous.used.get(), previous.granted);
                long elapsed = Math.max(1, sent - previous.sentMicros);
                long target = (long) Math.ceil((double) used * (double) lifetimeMicros / (double) elapsed);
                want = Math.max(permits, Math.min(maxPermits, target));
            }
            CompletableFuture<Leasing.Grant> call;
            try {
                call = leasing.reserve(key, policy, permits, want).toCompletableFuture();
            } catch (RuntimeException e) {
                call = CompletableFuture.failedFuture(e);
            }
            if (waitNanos > 0 && !call.isDone()) {
                // A reservation that never answers must not hold the key's callers for ever.
                call = call.copy();
                Deadlines.watch(call, System.nanoTime() + waitNanos);
            }
            CompletableFuture<Outcome> outcome = call.thenApply(grant -> install(grant, permits, sent));
            CompletableFuture<Outcome> done = outcome.whenComplete((o, failure) -> {
                synchronized (this) {
                    inflight = null;
                }
            });
            if (!done.isDone()) {
                inflight = done;
            }
            return done;
        }

        private Outcome install(Leasing.Grant grant, long permits, long sent) {
            if (grant.granted() == 0) {
                return new Outcome(null, permits, grant.decision());
            }
            Lease fresh = new Lease(policy, grant, sent, lifetimeMicros);
            // The reserving request was decided by the backend: its figures are the backend's, as
            // for any request the backend decides, not aged by the round trip (aged, a reply that
            // arrives after its window ended would say resetAfter 0 for a permit of that window).
            Decision decision = fresh.first(permits);
            lease = fresh;
            return new Outcome(fresh, permits, decision);
        }
    }

    /** One slice: permits {@code 1..granted}, spent in order; {@link #used} is the last spent or skipped. */
    static final class Lease {
        final Policy policy;
        final Decision reserved;
        final long granted;
        final long sentMicros;
        /** The last local microsecond at which any permit may be spent. */
        final long spendBy;
        /** Per limit: where permit 1's emission interval starts, in local time (token buckets only). */
        final long[] slotStart;
        /** Per limit: the emission interval, 0 for a window limit. */
        final long[] interval;

        final AtomicLong used = new AtomicLong();

        Lease(Policy policy, Leasing.Grant grant, long sentMicros, long lifetimeMicros) {
            this.policy = policy;
            this.reserved = grant.decision();
            this.granted = grant.granted();
            this.sentMicros = sentMicros;
            long valid = grant.validMicros() < 0 ? lifetimeMicros : Math.min(grant.validMicros(), lifetimeMicros);
            this.spendBy = sentMicros + valid;
            int n = policy.limits().size();
            this.slotStart = new long[n];
            this.interval = new long[n];
            for (int j = 0; j < n; j++) {
                Limit limit = policy.limits().get(j);
                if (limit.algorithm() == Limit.Algorithm.TOKEN_BUCKET) {
                    interval[j] = limit.emissionIntervalMicros();
                    slotStart[j] = sentMicros + grant.slotStartMicros()[j];
                }
            }
        }

        /**
         * The reservation's own request: permits {@code 1..permits}, decided by the backend, with the
         * backend's figures (taken at {@link #sentMicros}, so nothing is aged).
         */
        Decision first(long permits) {
            used.set(permits);
            return figures(permits, sentMicros, Decision.Source.BACKEND);
        }

        /** Spends {@code permits} at local time {@code now}, or returns null if the slice cannot serve them. */
        @Nullable
        Decision spend(long permits, long now) {
            if (now > spendBy) {
                return null;
            }
            for (; ; ) {
                long u = used.get();
                long k = u + 1;
                for (int j = 0; j < interval.length; j++) {
                    long late = now - slotStart[j];
                    if (interval[j] > 0 && late > 0) {
                        k = Math.max(k, -Math.floorDiv(-late, interval[j]) + 1);
                    }
                }
                long last = k - 1 + permits;
                if (last > granted) {
                    return null;
                }
                if (used.compareAndSet(u, last)) {
                    return figures(last, now, Decision.Source.LEASE);
                }
            }
        }

        /**
         * The figures after permit {@code last}: the backend's at the reservation, with the slice's
         * unspent permits added to what remains and the time since taken off the waits.
         */
        private Decision figures(long last, long now, Decision.Source source) {
            long unspent = granted - last;
            long elapsed = Math.max(0, now - sentMicros);
            List<Decision> each = reserved.perLimit();
            Decision d;
            if (each.size() == 1) {
                d = limit(0, each.get(0), unspent, elapsed);
            } else {
                List<Decision> figures = new ArrayList<>(each.size());
                for (int j = 0; j < each.size(); j++) {
                    figures.add(limit(j, each.get(j), unspent, elapsed));
                }
                d = Decision.combine(policy, figures);
            }
            return source == Decision.Source.BACKEND ? d : d.withSource(source, null);
        }

        private Decision limit(int j, Decision then, long unspent, long elapsed) {
            return Decision.ofLimit(
                    policy, j, true, then.remaining() + unspent, Math.max(0, then.resetAfterMicros() - elapsed), 0);
        }
    }
}
