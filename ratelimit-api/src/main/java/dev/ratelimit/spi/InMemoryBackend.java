package dev.ratelimit.spi;

import dev.ratelimit.Clock;
import dev.ratelimit.Decision;
import dev.ratelimit.Policy;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The in-memory backend: {@link Algorithms} on one small state array per (policy, key), each
 * guarded by its own monitor, in a map whose size never exceeds {@code maxKeys}.
 *
 * <p>Tracked entries also sit in a queue that every insertion advances by two places, dropping
 * entries whose state has expired and sending live ones to the back; at the cap, an insertion
 * evicts an expired entry from the next few, else the one at the front. An entry is removed only
 * under its own monitor and marked {@code removed}, so a decision never lands on an entry that is
 * no longer in the map: it retries on the live one.
 */
final class InMemoryBackend implements RateLimitBackend {

    static final int DEFAULT_MAX_KEYS = 100_000;
    private static final int SWEEP_STEPS = 2;
    private static final int EVICTION_SCAN = 8;

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
    public Decision decideNow(String key, Policy policy, long permits) {
        return decide(key, policy, permits);
    }

    Decision decide(String key, Policy policy, long permits) {
        String k = Keys.bounded(key);
        policy.checkPermits(permits);
        long now = clock.nowMicros();
        ConcurrentHashMap<String, Entry> table = table(policy);
        for (;;) {
            Entry entry = table.get(k);
            if (entry == null) {
                if (permits == 0) {
                    return Algorithms.apply(policy, new long[Algorithms.SLOTS * policy.limits().size()], now, 0);
                }
                entry = insert(table, k, policy, now);
            }
            synchronized (entry) {
                if (!entry.removed) {
                    Decision decision = Algorithms.apply(policy, entry.state, now, permits);
                    entry.expiresAt = Algorithms.expiresAt(policy, entry.state);
                    return decision;
                }
            }
        }
    }

    @Override
    public CompletionStage<Void> reset(String key, Policy policy) {
        Objects.requireNonNull(policy, "policy");
        Entry entry = table(policy).get(Keys.bounded(key));
        if (entry != null) {
            synchronized (entry) {
                if (!entry.removed) {
                    remove(entry);
                }
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public String name() {
        return "memory";
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
        Entry fresh = new Entry(table, key, Algorithms.SLOTS * policy.limits().size());
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
        for (;;) {
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
        synchronized (oldest) {
            if (!oldest.removed) {
                remove(oldest);
            }
        }
    }

    /** Returns true when the entry is gone from the map (it expired now, or was removed before). */
    private boolean dropIfExpired(Entry entry, long now) {
        synchronized (entry) {
            if (entry.removed) {
                return true;
            }
            if (entry.expiresAt <= now) {
                remove(entry);
                return true;
            }
            return false;
        }
    }

    private void remove(Entry entry) {
        entry.removed = true;
        entry.table.remove(entry.key, entry);
        size.decrementAndGet();
    }

    @Override
    public String toString() {
        return "InMemoryBackend[" + size.get() + " of " + maxKeys + " keys, " + clock + "]";
    }

    private static final class Entry {
        final ConcurrentHashMap<String, Entry> table;
        final String key;
        final long[] state;
        long expiresAt = Long.MAX_VALUE;
        boolean removed;

        Entry(ConcurrentHashMap<String, Entry> table, String key, int slots) {
            this.table = table;
            this.key = key;
            this.state = new long[slots];
        }
    }
}
