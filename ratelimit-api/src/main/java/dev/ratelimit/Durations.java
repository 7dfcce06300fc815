package dev.ratelimit;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/** Microsecond time as the library counts it, to and from {@code java.time}, and duration checks. */
final class Durations {

    private Durations() {}

    /** {@code micros} microseconds as a {@link Duration}. */
    static Duration ofMicros(long micros) {
        return micros == 0 ? Duration.ZERO : Duration.ofSeconds(micros / 1_000_000L, (micros % 1_000_000L) * 1_000L);
    }

    /** {@code micros} microseconds since the epoch as an {@link Instant}. */
    static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }

    /** {@code instant} in whole microseconds since the epoch (sub-microsecond parts dropped). */
    static long micros(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
    }

    /** {@code duration} in whole microseconds (sub-microsecond parts dropped). */
    static long micros(Duration duration) {
        return Math.addExact(Math.multiplyExact(duration.getSeconds(), 1_000_000L), duration.getNano() / 1_000);
    }

    /** Whether {@code duration} is a whole number of microseconds. */
    static boolean isWholeMicros(Duration duration) {
        return duration.toNanosPart() % 1_000 == 0;
    }

    /** Whether {@code instant} falls on a whole microsecond. */
    static boolean isWholeMicros(Instant instant) {
        return Instant.ofEpochSecond(instant.getEpochSecond(), instant.getNano() / 1_000 * 1_000L)
                .equals(instant);
    }

    /**
     * Checks that {@code value} lies in {@code [min, max]}.
     *
     * @throws IllegalArgumentException naming {@code name} and the bounds
     */
    static Duration between(Duration value, String name, Duration min, Duration max) {
        Objects.requireNonNull(value, name);
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + "; got " + value);
        }
        return value;
    }
}
