package dev.ratelimit;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Keys a backend has denied: later requests for them are answered here, without a backend call,
 * when the answer can be computed exactly — the figures the backend would give at that instant,
 * with no other traffic on the key — and are denied. Any other request goes to the backend. A
 * flood from one client then costs the backend nothing.
 *
 * <p>A denial consumes nothing, so the key's state at the denial is what the backend reported,
 * and it changes only with time until another request is admitted (which {@link #learn} sees and
 * forgets the key for). From a denial's figures, per limit:
 * <ul>
 *   <li>a fixed window's count is {@code permits - remaining} in the denial's window, and zero in
 *       any later one: every later request is answered exactly;
 *   <li>a token bucket's theoretical arrival time is {@code now + resetAfter}: every later
 *       request is answered exactly;
 *   <li>a sliding window's estimate is {@code permits - remaining}, but when it will fall depends
 *       on counts the figures do not give. Only when the denied request asked for one permit more
 *       than remained is that time known — its {@code retryAfter} — and until then the estimate
 *       stands still; requests for the same or fewer permits are answered in that interval, and
 *       nothing else.
 * </ul>
 * Entries are dropped once the denied request would be allowed. Keys enter in their bounded form
 * (a SHA-256 digest above 256 UTF-8 bytes). Holds at most {@code maxKeys} entries; when full,
 * expired entries are purged (at most once a second) and new denials are not cached until there is
 * room.
 */
final class BlockCache {

    /** A denial: what the backend answered at {@code atMicros} to a request for {@code permits}. */
    private record Entry(long atMicros, long permits, Decision denial, long untilMicros) {}

    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final int maxKeys;
    private final Clock clock;
    private volatile long nextPurgeNanos;

    BlockCache(int maxKeys, Clock clock) {
        this.maxKeys = maxKeys;
        this.clock = clock;
        this.nextPurgeNanos = System.nanoTime();
    }

    /** The exact denial of this request, or null when a backend must decide. Reads the clock only for a known key. */
    @Nullable
    Decision answer(String boundedKey, long permits) {
        Entry entry = entries.get(boundedKey);
        if (entry == null) {
            return null;
        }
        long now = clock.nowMicros();
        if (now >= entry.untilMicros) {
            entries.remove(boundedKey, entry);
            return null;
        }
        if (now < entry.atMicros) {
            return null;
        }
        Policy policy = entry.denial.policy();
        int n = policy.limits().size();
        List<Decision> each = new ArrayList<>(n);
        boolean allowed = true;
        for (int i = 0; i < n; i++) {
            Decision limit = figures(policy, i, entry, now, permits);
            if (limit == null) {
                return null;
            }
            allowed &= limit.allowed();
            each.add(limit);
        }
        if (allowed) {
            return null;
        }
        return Decision.combine(policy, each).withSource(Decision.Source.LOCAL_BLOCK_CACHE, null);
    }

    /** What a backend answered to a request for {@code permits} ({@code consumed}: a request, not a peek). */
    void learn(String boundedKey, long permits, boolean consumed, Decision decision) {
        if (decision.allowed()) {
            if (consumed && permits > 0) {
                entries.remove(boundedKey);
            }
            return;
        }
        long now = clock.nowMicros();
        Entry entry = new Entry(now, permits, decision, now + decision.retryAfterMicros());
        if (entries.size() >= maxKeys && !entries.containsKey(boundedKey)) {
            purge(now);
            if (entries.size() >= maxKeys) {
                return;
            }
        }
        entries.put(boundedKey, entry);
    }

    void forget(String boundedKey) {
        entries.remove(boundedKey);
    }

    int size() {
        return entries.size();
    }

    /** Limit {@code i}'s decision on a request for {@code permits} at {@code now}, or null if it cannot be known. */
    private static @Nullable Decision figures(Policy policy, int i, Entry entry, long now, long permits) {
        Limit limit = policy.limits().get(i);
        Decision then = entry.denial.perLimit().get(i);
        long[] state = new long[Algorithms.SLOTS * policy.limits().size() + 1];
        int o = i * Algorithms.SLOTS;
        switch (limit.algorithm()) {
            case FIXED_WINDOW -> {
                state[o] = entry.atMicros / limit.windowMicros();
                state[o + 1] = limit.permits() - then.remaining();
                return Algorithms.decide(policy, i, state, now, permits, false);
            }
            case TOKEN_BUCKET -> {
                state[o] = entry.atMicros + then.resetAfterMicros();
                return Algorithms.decide(policy, i, state, now, permits, false);
            }
            default -> {
                long elapsed = now - entry.atMicros;
                // The estimate stands still until the denied request's retryAfter only when that
                // request asked for one permit more than remained.
                if (then.allowed()
                        || entry.permits != then.remaining() + 1
                        || elapsed >= then.retryAfterMicros()
                        || permits > entry.permits) {
                    return null;
                }
                boolean ok = permits <= then.remaining();
                return Decision.ofLimit(
                        policy,
                        i,
                        ok,
                        then.remaining(),
                        then.resetAfterMicros() - elapsed,
                        ok ? 0 : then.retryAfterMicros() - elapsed);
            }
        }
    }

    private void purge(long nowMicros) {
        long now = System.nanoTime();
        if (now - nextPurgeNanos < 0) {
            return;
        }
        nextPurgeNanos = now + 1_000_000_000L;
        entries.values().removeIf(entry -> nowMicros >= entry.untilMicros);
    }
}
