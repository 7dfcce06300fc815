package dev.ratelimit;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The in-memory backend: {@link Algorithms} on one small state array per (policy, key) — one
 * {@code long} for a policy of one token bucket, below — in a map whose size never exceeds
 * {@code maxKeys}.
 *
 * <p>A key's state is never written in place. A decision reads the current array, decides on a
 * copy and installs the copy with one compare-and-set, retrying on the new state if another thread
 * won; a decision that changes nothing (a denial, a peek) installs nothing, so a flood of denied
 * requests on one key only reads. The whole array is swapped at once, so a multi-limit policy is
 * checked and consumed atomically, and no key ever waits on another or holds a lock. A decision
 * reads the clock before the state and decides at the later of that time and the time of the
 * decision that installed the state — a time within the call either way — so a decision
 * overtaken by a later one never rewinds the key to an earlier window, and retries without
 * reading the clock again; on a new entry's state, which no decision has installed, it reads the
 * clock again after the state.
 *
 * <p>The array's last two slots hold the time of the decision that installed it and the time its
 * state stops mattering.
 *
 * <p>A policy of one token bucket keeps a key's whole state in one {@code long}, its theoretical
 * arrival time, swapped with one compare-and-set, with no array copied: two threads on one key then
 * contend on that number alone. A decision reads the clock before the state; an allowed decision
 * overtaken by a later one (its state installed after this call read the clock) makes the same new
 * state it would make at that later time — the state a request that takes permits leaves is later
 * than the request's time, so the earlier time never moves it — and reports its figures as of its
 * own reading, never more generous than at the later time (no more {@code remaining}, no sooner
 * {@code resetAfter}). A decision that would be denied, and one on a new entry, is decided on the
 * state it read at a time read after that state. Peeks and lease reservations read the clock
 * after the state.
 *
 * <p>Tracked entries also sit in
 * a queue that every insertion advances by two places, dropping entries whose state has expired
 * and sending live ones to the back; at the cap, an insertion evicts an expired entry from the
 * next few, else the one at the front. Removing an entry swaps its state for {@link #REMOVED}
 * first, so a decision never lands on an entry that is no longer in the map: it retries on the
 * live one.
 */
final class InMemoryBackend implements RateLimitBackend, Leasing {

    static final int DEFAULT_MAX_KEYS = 100_000;
    private static final int SWEEP_STEPS = 2;
    private static final int EVICTION_SCAN = 8;
    /** The state of an entry that has left the map. */
    private static final long[] REMOVED = new long[0];

    private final Clock clock;
    private final int maxKeys;
    private final ConcurrentHashMap<Policy, ConcurrentHashMap<String, Entry>> tables = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();
    private final ConcurrentLinkedQueue<Entry> queue = new ConcurrentLinkedQueue<>();

    InMemoryBackend(Clock clock, int maxKeys) {
        this.clock = Objects.requireNonNull(clock, "clock");
        if (maxKeys < 1) {
            throw new IllegalArgumentException("maxKeys must be at least 1; got " + maxKeys);
        }
        this.maxKeys = maxKeys;
    }

    @Override
    public CompletionStage<Decision> evaluate(String key, Policy policy, long permits) {
        return CompletableFuture.completedFuture(decide(key, policy, permits));
    }

    @Override
    public CompletionStage<Decision> peek(String key, Policy policy, long permits) {
        return CompletableFuture.completedFuture(peekNow(key, policy, permits));
    }

    /** {@link #peek}, answered at once. */
    Decision peekNow(String key, Policy policy, long permits) {
        String k = Keys.bounded(key);
        policy.checkPermits(permits);
        long now = clock.nowMicros();
        Entry entry = table(policy).get(k);
        long[] state = entry == null ? REMOVED : entry.read();
        state = state == REMOVED ? fresh(policy) : state.clone();
        return Algorithms.apply(policy, state, decisionTime(now, state[state.length - 2]), permits);
    }

    Decision decide(String key, Policy policy, long permits) {
        String k = Keys.bounded(key);
        policy.checkPermits(permits);
        ConcurrentHashMap<String, Entry> table = table(policy);
        // The clock is read before the state; the time of a decision is the later of it and the
        // time of the decision that installed the state (which another thread read while this call
        // was under way), so a decision never moves a key back to an earlier window, and a retry
        // needs no second reading of the clock (see decisionTime for a new entry's state).
        long clockNow = clock.nowMicros();
        if (policy.isOneTokenBucket()) {
            return decideBucket(table, k, policy, permits, clockNow);
        }
        for (; ; ) {
            Entry entry = table.get(k);
            if (entry == null) {
                if (permits == 0) {
                    return Algorithms.apply(policy, fresh(policy), clockNow, 0);
                }
                entry = insert(table, k, policy, clockNow);
            }
            long[] current = entry.read();
            if (current == REMOVED) {
                table.remove(k, entry); // help the remover; the next look-up finds the live entry
                continue;
            }
            int decidedAt = current.length - 2;
            long now = decisionTime(clockNow, current[decidedAt]);
            long[] next = current.clone();
            Algorithms.consume(policy, next, now, permits);
            // A decision that changes nothing (a denial) installs nothing, not even its time.
            boolean unchanged = Arrays.equals(current, next);
            if (!unchanged) {
                next[decidedAt] = now;
                next[next.length - 1] = Algorithms.expiresAt(policy, next);
            }
            if (unchanged || entry.install(current, next)) {
                // The decision is worked out once the state is installed, from the state it
                // replaced: the shorter the time between reading a key's state and replacing it,
                // the less often two threads on one key collide and retry.
                return Algorithms.describe(policy, current, now, permits);
            }
        }
    }

    /**
     * {@link #decide} for a policy of one token bucket, on the {@link Bucket}'s one number: only
     * the arithmetic of the new arrival time sits between reading it and swapping it.
     */
    private Decision decideBucket(
            ConcurrentHashMap<String, Entry> table, String k, Policy policy, long permits, long clockNow) {
        Limit limit = policy.limits().get(0);
        long interval = limit.emissionIntervalMicros();
        long tolerance = limit.capacity() * interval;
        for (; ; ) {
            Entry entry = table.get(k);
            if (entry == null) {
                if (permits == 0) {
                    return Algorithms.tokenBucket(policy, 0, 0, clockNow, 0, true);
                }
                entry = insert(table, k, policy, clockNow);
            }
            Bucket bucket = (Bucket) entry;
            long tat = bucket.tat;
            if (tat == Bucket.GONE) {
                table.remove(k, entry); // help the remover; the next look-up finds the live entry
                continue;
            }
            boolean fresh = tat == Bucket.FRESH;
            long from = fresh ? 0 : tat;
            long now = clockNow;
            long newTat = Math.max(from, now) + permits * interval;
            boolean allowed = newTat - now <= tolerance;
            if (fresh || !allowed) {
                // A new entry, perhaps made after its key's state was dropped while this call was
                // under way, or a denial: decided on this state at a time read after it.
                now = Math.max(now, clock.nowMicros());
                newTat = Math.max(from, now) + permits * interval;
                allowed = newTat - now <= tolerance;
            }
            if (!allowed || permits == 0 || bucket.replace(tat, newTat)) {
                return Algorithms.tokenBucket(policy, 0, from, now, permits, allowed);
            }
        }
    }

    @Override
    public CompletionStage<Grant> reserve(String key, Policy policy, long permits, long want) {
        return CompletableFuture.completedFuture(reserveNow(key, policy, permits, want));
    }

    /** {@link #reserve}, answered at once: {@link #decide}'s compare-and-set on {@link Grant#compute}. */
    Grant reserveNow(String key, Policy policy, long permits, long want) {
        String k = Keys.bounded(key);
        policy.checkPermits(permits);
        if (permits < 1 || want < permits) {
            throw new IllegalArgumentException(
                    "a lease is for 1 or more permits, and wants at least as many; got " + permits + " and " + want);
        }
        ConcurrentHashMap<String, Entry> table = table(policy);
        long clockNow = clock.nowMicros();
        for (; ; ) {
            Entry entry = table.get(k);
            if (entry == null) {
                entry = insert(table, k, policy, clockNow);
            }
            long[] current = entry.read();
            if (current == REMOVED) {
                table.remove(k, entry);
                continue;
            }
            int decidedAt = current.length - 2;
            long now = decisionTime(clockNow, current[decidedAt]);
            long[] next = current.clone();
            Grant grant = Grant.compute(policy, next, now, permits, want);
            boolean unchanged = Arrays.equals(current, next);
            if (!unchanged) {
                next[decidedAt] = now;
                next[next.length - 1] = Algorithms.expiresAt(policy, next);
            }
            if (unchanged || entry.install(current, next)) {
                return grant;
            }
        }
    }

    @Override
    public CompletionStage<Void> reset(String key, Policy policy) {
        Objects.requireNonNull(policy, "policy");
        Entry entry = table(policy).get(Keys.bounded(key));
        if (entry != null) {
            remove(entry);
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public java.time.Duration deadline() {
        return java.time.Duration.ZERO;
    }

    /** The number of (policy, key) pairs tracked now; never above {@code maxKeys}. */
    int trackedKeys() {
        return size.get();
    }

    private ConcurrentHashMap<String, Entry> table(Policy policy) {
        ConcurrentHashMap<String, Entry> table = tables.get(policy);
        return table != null ? table : tables.computeIfAbsent(policy, p -> new ConcurrentHashMap<>());
    }

    private Entry insert(ConcurrentHashMap<String, Entry> table, String key, Policy policy, long now) {
        sweep(now);
        reserve(now);
        Entry fresh;
        if (policy.isOneTokenBucket()) {
            fresh = new Bucket(table, key);
        } else {
            long[] state = fresh(policy);
            state[state.length - 1] = Long.MAX_VALUE; // not swept before its first decision
            fresh = new Cells(table, key, state);
        }
        Entry existing = table.putIfAbsent(key, fresh);
        if (existing != null) {
            size.decrementAndGet();
            return existing;
        }
        queue.offer(fresh);
        return fresh;
    }

    private void sweep(long now) {
        for (int i = 0; i < SWEEP_STEPS; i++) {
            Entry entry = queue.poll();
            if (entry == null) {
                return;
            }
            if (!dropIfExpired(entry, now)) {
                queue.offer(entry);
            }
        }
    }

    private void reserve(long now) {
        for (; ; ) {
            int n = size.get();
            if (n < maxKeys) {
                if (size.compareAndSet(n, n + 1)) {
                    return;
                }
            } else {
                evictOne(now);
            }
        }
    }

    private void evictOne(long now) {
        Entry oldest = null;
        for (int i = 0; i < EVICTION_SCAN; i++) {
            Entry entry = queue.poll();
            if (entry == null) {
                break;
            }
            if (dropIfExpired(entry, now)) {
                if (oldest != null) {
                    queue.offer(oldest);
                }
                return;
            }
            if (oldest == null) {
                oldest = entry;
            } else {
                queue.offer(entry);
            }
        }
        if (oldest == null) {
            // Every slot is reserved by an insertion that has not queued its entry yet.
            Thread.onSpinWait();
            return;
        }
        remove(oldest);
    }

    /** Returns true when the entry is gone from the map (it expired now, or was removed before). */
    private boolean dropIfExpired(Entry entry, long now) {
        int dropped = entry.drop(now);
        if (dropped > 0) {
            unlink(entry);
        }
        return dropped != 0;
    }

    private void remove(Entry entry) {
        if (entry.drop(Long.MAX_VALUE) > 0) {
            unlink(entry);
        }
    }

    /** Called once per entry, by the thread that swapped its state for {@link #REMOVED}. */
    private void unlink(Entry entry) {
        entry.table.remove(entry.key, entry);
        size.decrementAndGet();
    }

    /**
     * The time to decide at on a state installed at {@code decidedAt}, by a call that read the
     * clock at {@code clockNow} before it read the state: the later of the two. A state no
     * decision has installed yet (a new entry, perhaps one made after an expired entry was dropped
     * while this call was under way) carries no time, so the clock is read again, after it: a
     * decision on it never lands before the time its key's previous state was dropped.
     */
    private long decisionTime(long clockNow, long decidedAt) {
        return decidedAt == 0 ? Math.max(clockNow, clock.nowMicros()) : Math.max(clockNow, decidedAt);
    }

    /**
     * A fresh state for {@code policy}: its limits' slots, then the time of the decision that
     * installed the state, then the time the state stops mattering.
     */
    private static long[] fresh(Policy policy) {
        return new long[Algorithms.SLOTS * policy.limits().size() + 2];
    }

    @Override
    public String toString() {
        return "InMemoryBackend[" + size.get() + " of " + maxKeys + " keys, " + clock + "]";
    }

    /** A key's entry in its policy's table. */
    private abstract static class Entry {
        final ConcurrentHashMap<String, Entry> table;
        final String key;

        Entry(ConcurrentHashMap<String, Entry> table, String key) {
            this.table = table;
            this.key = key;
        }

        /**
         * {@return the state as an array laid out as {@link #fresh} lays it out, not to be
         * written to; {@link #REMOVED} once the entry has left the map}
         */
        abstract long[] read();

        /** Installs {@code next} in place of {@code expected}, an array {@link #read} returned; false if the state changed since. */
        abstract boolean install(long[] expected, long[] next);

        /**
         * Swaps the state for removed if it stops mattering at or before {@code now} (any state,
         * for {@code Long.MAX_VALUE}): 1 if this call did, 0 if the state is live, -1 if the
         * entry was removed before.
         */
        abstract int drop(long now);
    }

    /** An entry holding its state array. */
    private static final class Cells extends Entry {
        private static final VarHandle STATE;

        static {
            try {
                STATE = MethodHandles.lookup().findVarHandle(Cells.class, "state", long[].class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        volatile long[] state;

        Cells(ConcurrentHashMap<String, Entry> table, String key, long[] state) {
            super(table, key);
            this.state = state;
        }

        @Override
        long[] read() {
            return state;
        }

        @Override
        boolean install(long[] expected, long[] next) {
            return STATE.compareAndSet(this, expected, next);
        }

        @Override
        int drop(long now) {
            for (; ; ) {
                long[] current = state;
                if (current == REMOVED) {
                    return -1;
                }
                if (current[current.length - 1] > now) {
                    return 0;
                }
                if (STATE.compareAndSet(this, current, REMOVED)) {
                    return 1;
                }
            }
        }
    }

    /**
     * The entry of a policy of one token bucket: its state is the theoretical arrival time alone,
     * which is also the time the state stops mattering.
     */
    private static final class Bucket extends Entry {
        /** No decision yet: not swept before its first one. */
        static final long FRESH = Long.MAX_VALUE;
        /** Left the map. */
        static final long GONE = Long.MIN_VALUE;

        private static final VarHandle TAT;

        static {
            try {
                TAT = MethodHandles.lookup().findVarHandle(Bucket.class, "tat", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        volatile long tat = FRESH;

        Bucket(ConcurrentHashMap<String, Entry> table, String key) {
            super(table, key);
        }

        boolean replace(long expected, long next) {
            return TAT.compareAndSet(this, expected, next);
        }

        /** The time of the installing decision is not kept: slot 0, so a reader reads the clock after the state. */
        @Override
        long[] read() {
            long current = tat;
            if (current == GONE) {
                return REMOVED;
            }
            long[] state = new long[Algorithms.SLOTS + 2];
            state[0] = current == FRESH ? 0 : current;
            state[state.length - 1] = current;
            return state;
        }

        @Override
        boolean install(long[] expected, long[] next) {
            return replace(expected[expected.length - 1], next[next.length - 1]);
        }

        @Override
        int drop(long now) {
            for (; ; ) {
                long current = tat;
                if (current == GONE) {
                    return -1;
                }
                if (current > now) {
                    return 0;
                }
                if (replace(current, GONE)) {
                    return 1;
                }
            }
        }
    }
}
