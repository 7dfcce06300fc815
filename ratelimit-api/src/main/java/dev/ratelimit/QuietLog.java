package dev.ratelimit;

import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * A warning that does not flood: the first occurrence is logged at once; repeats within the
 * interval are counted and summarised in one line when the next one arrives after it.
 */
final class QuietLog {

    private final Logger log;
    private final long intervalNanos;
    private final AtomicLong suppressed = new AtomicLong();
    private volatile long lastLogged = Long.MIN_VALUE;

    QuietLog(Logger log, java.time.Duration interval) {
        this.log = log;
        this.intervalNanos = interval.toNanos();
    }

    /** Logs {@code message} now, or counts it if one was logged within the interval. */
    void warn(String message) {
        long now = System.nanoTime();
        long last = lastLogged;
        if (last != Long.MIN_VALUE && now - last < intervalNanos) {
            suppressed.incrementAndGet();
            return;
        }
        lastLogged = now;
        long repeats = suppressed.getAndSet(0);
        if (repeats > 0) {
            log.warn("{} (and {} similar in the last {} s)", message, repeats, intervalNanos / 1_000_000_000L);
        } else {
            log.warn(message);
        }
    }
}
