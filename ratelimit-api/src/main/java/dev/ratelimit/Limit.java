package dev.ratelimit;

import java.time.Duration;
import java.util.Objects;

/**
 * One limit: {@code permits} per {@code window}, counted by one {@link Algorithm}.
 *
 * <pre>{@code
 * Limit.perHour(5)                                        // fixed window, 5 per hour
 * Limit.perMinute(100).slidingWindow()                    // two-counter sliding window
 * Limit.of(100, Duration.ofMinutes(1)).tokenBucket().burst(20)
 * }</pre>
 *
 * <p>A limit is immutable; the methods that change an aspect return a new limit. The exact
 * semantics of each algorithm, which every backend follows decision by decision, are in the
 * project's docs/ALGORITHMS.md. Time is counted in whole microseconds, so a window must be a
 * whole number of microseconds.
 *
 * <p>So that every backend can compute exactly in a Lua number (a double, exact below 2<sup>53</sup>),
 * a window may be at most 366 days; a sliding window needs {@code (permits + 1) × window(µs) < 2^53}
 * (about 2.5 million per hour, 104 thousand per day); a token bucket needs
 * {@code burst × ⌈window(µs) / permits⌉ <= 2^50}. A limit outside these bounds is refused with an
 * {@link IllegalArgumentException} that names the bound.
 */
public final class Limit {

    /** How a limit counts. */
    public enum Algorithm {
        /**
         * A counter per aligned window ({@code floor(now / window)}); the counter starts again at
         * every window boundary. Exact and cheap; a client can spend a full quota at the end of one
         * window and again at the start of the next.
         */
        FIXED_WINDOW,
        /**
         * The two-counter sliding-window estimate: this window's count plus the previous window's
         * count weighted by how much of it still overlaps the sliding window.
         */
        SLIDING_WINDOW,
        /**
         * A token bucket refilled at {@code permits} per {@code window} up to {@code burst} tokens,
         * computed as GCRA on one stored value (the theoretical arrival time).
         */
        TOKEN_BUCKET
    }

    static final long MAX_WINDOW_MICROS = 366L * 24 * 3600 * 1_000_000;
    private static final long TWO_TO_53 = 1L << 53;
    private static final long TWO_TO_50 = 1L << 50;

    private final long permits;
    private final long windowMicros;
    private final Algorithm algorithm;
    private final long burst;
    /** {@code ceil(window / permits)}, worked out once: decisions read it on every request. */
    private final long emissionIntervalMicros;

    private Limit(long permits, long windowMicros, Algorithm algorithm, long burst) {
        this.permits = permits;
        this.windowMicros = windowMicros;
        this.algorithm = algorithm;
        this.burst = burst;
        this.emissionIntervalMicros =
                permits < 1 ? 0 : (windowMicros + permits - 1) / permits; // validate() rejects < 1
        validate();
    }

    /**
     * {@return {@code permits} per {@code window}, as a {@linkplain Algorithm#FIXED_WINDOW fixed
     * window}} Use {@link #slidingWindow()} or {@link #tokenBucket()} for the other algorithms.
     *
     * @param permits the number of permits per window, at least 1
     * @param window the window: positive, a whole number of microseconds, at most 366 days
     * @throws IllegalArgumentException if {@code permits < 1}, or the window is not positive, not a
     *     whole number of microseconds or longer than 366 days
     */
    public static Limit of(long permits, Duration window) {
        Objects.requireNonNull(window, "window");
        if (window.isZero()
                || window.isNegative()
                || !Durations.isWholeMicros(window)
                || window.compareTo(Duration.ofDays(366)) > 0) {
            throw new IllegalArgumentException(
                    "window must be a positive whole number of microseconds, at most 366 days; got " + window);
        }
        return new Limit(permits, Durations.micros(window), Algorithm.FIXED_WINDOW, permits);
    }

    /**
     * {@return {@code permits} per second, fixed window}
     *
     * @param permits the number of permits per second, at least 1
     * @throws IllegalArgumentException if {@code permits < 1}
     */
    public static Limit perSecond(long permits) {
        return of(permits, Duration.ofSeconds(1));
    }

    /**
     * {@return {@code permits} per minute, fixed window}
     *
     * @param permits the number of permits per minute, at least 1
     * @throws IllegalArgumentException if {@code permits < 1}
     */
    public static Limit perMinute(long permits) {
        return of(permits, Duration.ofMinutes(1));
    }

    /**
     * {@return {@code permits} per hour, fixed window}
     *
     * @param permits the number of permits per hour, at least 1
     * @throws IllegalArgumentException if {@code permits < 1}
     */
    public static Limit perHour(long permits) {
        return of(permits, Duration.ofHours(1));
    }

    /**
     * {@return {@code permits} per day, fixed window}
     *
     * @param permits the number of permits per day, at least 1
     * @throws IllegalArgumentException if {@code permits < 1}
     */
    public static Limit perDay(long permits) {
        return of(permits, Duration.ofDays(1));
    }

    /** {@return this limit counted as a fixed window} */
    public Limit fixedWindow() {
        return with(Algorithm.FIXED_WINDOW);
    }

    /**
     * {@return this limit counted as a two-counter sliding window}
     *
     * @throws IllegalArgumentException if {@code (permits + 1) × window(µs)} reaches 2<sup>53</sup>
     */
    public Limit slidingWindow() {
        return with(Algorithm.SLIDING_WINDOW);
    }

    /**
     * {@return this limit as a token bucket refilled at {@code permits} per window, holding
     * {@code permits} tokens}
     *
     * @throws IllegalArgumentException if {@code permits × ⌈window(µs) / permits⌉} exceeds
     *     2<sup>50</sup>
     */
    public Limit tokenBucket() {
        return with(Algorithm.TOKEN_BUCKET);
    }

    /**
     * {@return this limit counted by {@code algorithm}} The same as {@link #fixedWindow()},
     * {@link #slidingWindow()} or {@link #tokenBucket()} (a token bucket holding {@code permits}
     * tokens).
     *
     * @param algorithm how the new limit counts; not null
     * @throws IllegalArgumentException if the limit is outside the algorithm's bounds (see the
     *     class description)
     */
    public Limit with(Algorithm algorithm) {
        return new Limit(permits, windowMicros, Objects.requireNonNull(algorithm, "algorithm"), permits);
    }

    /**
     * {@return this token bucket with room for {@code burst} tokens} It still refills at
     * {@code permits} per window.
     *
     * @param burst the most tokens the bucket holds, which is also the most one request may take;
     *     at least 1, and may be below or above {@code permits}
     * @throws IllegalStateException if this limit is not a token bucket
     * @throws IllegalArgumentException if {@code burst < 1}, or
     *     {@code burst × ⌈window(µs) / permits⌉} exceeds 2<sup>50</sup>
     */
    public Limit burst(long burst) {
        if (algorithm != Algorithm.TOKEN_BUCKET) {
            throw new IllegalStateException("burst applies to a token bucket; call tokenBucket() first on " + this);
        }
        return new Limit(permits, windowMicros, algorithm, burst);
    }

    /** {@return the number of permits per window (the refill amount of a token bucket)} */
    public long permits() {
        return permits;
    }

    /** {@return the window (the refill period of a token bucket)} */
    public Duration window() {
        return Durations.ofMicros(windowMicros);
    }

    /** {@return the window in microseconds} */
    public long windowMicros() {
        return windowMicros;
    }

    /** {@return how this limit counts} */
    public Algorithm algorithm() {
        return algorithm;
    }

    /**
     * {@return the most permits one request may ask for} It is what {@link Decision#limit()}
     * reports: the burst of a token bucket, otherwise the permits per window.
     */
    public long capacity() {
        return algorithm == Algorithm.TOKEN_BUCKET ? burst : permits;
    }

    /**
     * {@return the token bucket's emission interval {@code T = ceil(window / permits)} in
     * microseconds} It is computed for every limit, whatever its algorithm.
     */
    public long emissionIntervalMicros() {
        return emissionIntervalMicros;
    }

    private void validate() {
        if (permits < 1) {
            throw new IllegalArgumentException("permits must be at least 1; got " + permits);
        }
        if (burst < 1) {
            throw new IllegalArgumentException("burst must be at least 1; got " + burst);
        }
        if (algorithm == Algorithm.SLIDING_WINDOW && permits + 1 > (TWO_TO_53 - 1) / windowMicros) {
            throw new IllegalArgumentException("a sliding window needs (permits + 1) × window(µs) < 2^53; " + permits
                    + " per " + window() + " exceeds it: use a token bucket or a shorter window");
        }
        if (algorithm == Algorithm.TOKEN_BUCKET && burst > TWO_TO_50 / emissionIntervalMicros()) {
            throw new IllegalArgumentException("a token bucket needs burst × ceil(window(µs) / permits) <= 2^50; burst "
                    + burst + " at " + permits + " per " + window() + " exceeds it");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Limit other
                && permits == other.permits
                && windowMicros == other.windowMicros
                && algorithm == other.algorithm
                && burst == other.burst;
    }

    @Override
    public int hashCode() {
        return Objects.hash(permits, windowMicros, algorithm, burst);
    }

    /** For example {@code "5 per PT1H (fixed window)"} or {@code "100 per PT1M (token bucket, burst 20)"}. */
    @Override
    public String toString() {
        String name = algorithm.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
        return permits + " per " + window() + " (" + name
                + (algorithm == Algorithm.TOKEN_BUCKET && burst != permits ? ", burst " + burst : "") + ")";
    }
}
