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
 * The in-memory backend: {@link Algorithms} on one small state array per (policy, key), in a map
 * whose size never exceeds {@code maxKeys}.
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
 * state stops mattering. Tracked entries also sit in
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
        long[] state = entry == null || entry.state == REMOVED ? fresh(policy) : entry.state.clone();
        return Algorithms.apply(policy, state, Math.max(now, state[state.length - 2]), permits);
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
        for (; ; ) {
            Entry entry = table.get(k);
            if (entry == null) {
                if (permits == 0) {
                    return Algorithms.apply(policy, fresh(policy), clockNow, 0);
                }
                entry = insert(table, k, policy, clockNow);
            }
            long[] current = entry.state;
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
            if (unchanged || entry.replace(current, next)) {
                // The decision is worked out once the state is installed, from the state it
                // replaced: the shorter the time between reading a key's state and replacing it,
                // the less often two threads on one key collide and retry.
                return Algorithms.describe(policy, current, now, permits);
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
            long[] current = entry.state;
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
            if (unchanged || entry.replace(current, next)) {
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
        long[] state = fresh(policy);
        state[state.length - 1] = Long.MAX_VALUE; // not swept before its first decision
        Entry fresh = new Entry(table, key, state);
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
        for (; ; ) {
            long[] state = entry.state;
            if (state == REMOVED) {
                return true;
            }
            if (state[state.length - 1] > now) {
                return false;
            }
            if (entry.replace(state, REMOVED)) {
                unlink(entry);
                return true;
            }
        }
    }

    private void remove(Entry entry) {
        for (; ; ) {
            long[] state = entry.state;
            if (state == REMOVED) {
                return;
            }
            if (entry.replace(state, REMOVED)) {
                unlink(entry);
                return;
            }
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

    private static final class Entry {
        private static final VarHandle STATE;

        static {
            try {
                STATE = MethodHandles.lookup().findVarHandle(Entry.class, "state", long[].class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final ConcurrentHashMap<String, Entry> table;
        final String key;
        volatile long[] state;

        Entry(ConcurrentHashMap<String, Entry> table, String key, long[] state) {
            this.table = table;
            this.key = key;
            this.state = state;
        }

        boolean replace(long[] expected, long[] next) {
            return STATE.compareAndSet(this, expected, next);
        }
    }
}
