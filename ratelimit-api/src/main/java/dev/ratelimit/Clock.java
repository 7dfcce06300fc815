package dev.ratelimit;

/**
 * The time source of rate-limit decisions: the current time as an integer count of microseconds
 * since the Unix epoch.
 *
 * <p>The in-memory backend reads the clock given to it; the Redis and Upstash backends read the
 * server's clock unless they are given one explicitly. Tests use a {@link TestClock} and advance it
 * instead of sleeping.
 *
 * <p>Implementations must be thread-safe and should never go backwards.
 */
@FunctionalInterface
public interface Clock {

    /** {@return the current time in microseconds since 1970-01-01T00:00:00Z} */
    long nowMicros();

    /** {@return the system's wall clock, at microsecond resolution where the platform provides it} */
    static Clock system() {
        return SystemClock.INSTANCE;
    }
}

enum SystemClock implements Clock {
    INSTANCE;

    @Override
    public long nowMicros() {
        return Durations.micros(java.time.Clock.systemUTC().instant());
    }

    @Override
    public String toString() {
        return "Clock.system()";
    }
}
