package dev.ratelimit;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Keys denied until a known time: until then a request for at least as many permits is denied
 * here, with the right {@code retryAfter}, and no backend is asked. A flood from one client then
 * costs the backend nothing. Holds at most {@code maxKeys} entries; when full, expired entries are
 * purged (at most once a second) and new denials are not cached until there is room.
 */
final class BlockCache {

    private record Block(long permits, long untilMicros, long decidedAtMicros, Decision decision) {
    }

    private final ConcurrentHashMap<String, Block> blocks = new ConcurrentHashMap<>();
    private final int maxKeys;
    private volatile long nextPurgeNanos;

    BlockCache(int maxKeys) {
        this.maxKeys = maxKeys;
        this.nextPurgeNanos = System.nanoTime();
    }

    /** The local denial for this request, or null when the backends must decide; reads the clock only for a known key. */
    Decision denied(String key, long permits, Clock clock) {
        Block block = blocks.get(key);
        if (block == null) {
            return null;
        }
        long nowMicros = clock.nowMicros();
        if (nowMicros >= block.untilMicros) {
            blocks.remove(key, block);
            return null;
        }
        if (permits < block.permits) {
            return null;
        }
        return block.decision.aged(nowMicros - block.decidedAtMicros, Decision.Source.LOCAL_BLOCK_CACHE);
    }

    void record(String key, long permits, Decision denied, long nowMicros) {
        long retry = denied.retryAfterMicros();
        if (retry <= 0) {
            return;
        }
        if (blocks.size() >= maxKeys && !blocks.containsKey(key)) {
            purge(nowMicros);
            if (blocks.size() >= maxKeys) {
                return;
            }
        }
        blocks.put(key, new Block(permits, nowMicros + retry, nowMicros, denied));
    }

    void forget(String key) {
        blocks.remove(key);
    }

    int size() {
        return blocks.size();
    }

    private void purge(long nowMicros) {
        long now = System.nanoTime();
        if (now - nextPurgeNanos < 0) {
            return;
        }
        nextPurgeNanos = now + 1_000_000_000L;
        blocks.values().removeIf(block -> nowMicros >= block.untilMicros);
    }
}
