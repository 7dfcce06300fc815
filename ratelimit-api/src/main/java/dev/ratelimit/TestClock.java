package dev.ratelimit;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Clock} that moves only when told to, for unit tests: build a limiter with
 * {@code RateLimiter.inMemory(policy, clock)} and {@link #advance(Duration) advance} the clock
 * instead of sleeping until a window passes.
 *
 * <p>Thread-safe.
 */
public final class TestClock implements Clock {

    /** Where a {@code new TestClock()} starts: 2026-01-01T00:00:00Z. */
    public static final Instant DEFAULT_START = Instant.parse("2026-01-01T00:00:00Z");

    private final AtomicLong micros;

    /** A clock standing at {@link #DEFAULT_START}. */
    public TestClock() {
        this(DEFAULT_START);
    }

    /**
     * A clock standing at {@code start}.
     *
     * @param start the initial time: a whole number of microseconds, not before the epoch
     * @throws IllegalArgumentException if {@code start} is before the epoch or has a fraction of a
     *     microsecond
     */
    public TestClock(Instant start) {
        this.micros = new AtomicLong(toMicros(start));
    }

    @Override
    public long nowMicros() {
        return micros.get();
    }

    /** {@return the current time as an {@link Instant}} */
    public Instant instant() {
        return Durations.instant(micros.get());
    }

    /**
     * Moves the clock forward by {@code amount}.
     *
     * @param amount how far to move: a non-negative whole number of microseconds
     * @return this clock
     * @throws IllegalArgumentException if {@code amount} is negative or has a fraction of a
     *     microsecond
     */
    public TestClock advance(Duration amount) {
        Objects.requireNonNull(amount, "amount");
        return advanceMicros(wholeMicros(amount, "amount"));
    }

    /**
     * Moves the clock forward by {@code micros} microseconds.
     *
     * @param micros how far to move, in microseconds; not negative
     * @return this clock
     * @throws IllegalArgumentException if {@code micros} is negative
     */
    public TestClock advanceMicros(long micros) {
        if (micros < 0) {
            throw new IllegalArgumentException("a TestClock only moves forward; got " + micros + " µs");
        }
        this.micros.addAndGet(micros);
        return this;
    }

    /**
     * Sets the clock to {@code instant}; it may move the clock backwards, to test how code copes.
     *
     * @param instant the new time: a whole number of microseconds, not before the epoch
     * @return this clock
     * @throws IllegalArgumentException if {@code instant} is before the epoch or has a fraction of
     *     a microsecond
     */
    public TestClock set(Instant instant) {
        micros.set(toMicros(instant));
        return this;
    }

    @Override
    public String toString() {
        return "TestClock[" + instant() + "]";
    }

    private static long toMicros(Instant instant) {
        Objects.requireNonNull(instant, "instant");
        if (instant.isBefore(Instant.EPOCH) || !Durations.isWholeMicros(instant)) {
            throw new IllegalArgumentException(
                    "a TestClock needs a whole number of microseconds at or after the epoch; got " + instant);
        }
        return Durations.micros(instant);
    }

    static long wholeMicros(Duration duration, String name) {
        if (duration.isNegative() || !Durations.isWholeMicros(duration)) {
            throw new IllegalArgumentException(
                    name + " must be a non-negative whole number of microseconds; got " + duration);
        }
        return Durations.micros(duration);
    }
}
