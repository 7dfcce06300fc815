package dev.ratelimit.email;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One captured address.
 *
 * @param address the normalised address as first captured (see {@link EmailAddress#address()})
 * @param source where it was captured, as the application named it (at most 100 characters, no
 *     control characters), or {@code null} (an empty source is stored as {@code null})
 * @param capturedAt when it was first captured, to the microsecond
 */
public record EmailRecord(String address, @Nullable String source, Instant capturedAt) {

    /** The longest source label accepted. */
    public static final int MAX_SOURCE_LENGTH = 100;

    /**
     * A record, with its source checked by {@link #checkSource}.
     *
     * @param address the normalised address; not null
     * @param source where it was captured, or {@code null}; an empty source becomes {@code null}
     * @param capturedAt when it was first captured; not null
     * @throws IllegalArgumentException if the source is longer than 100 characters or has control
     *     characters
     */
    public EmailRecord {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(capturedAt, "capturedAt");
        source = checkSource(source);
    }

    /**
     * Checks a source label.
     *
     * @param source the label an application gave, or {@code null}
     * @return the label as stored: {@code null} for null or empty, else {@code source} itself
     * @throws IllegalArgumentException if it is longer than 100 characters or has control characters
     */
    public static @Nullable String checkSource(@Nullable String source) {
        if (source == null || source.isEmpty()) {
            return null;
        }
        if (source.length() > MAX_SOURCE_LENGTH) {
            throw new IllegalArgumentException("source must be at most " + MAX_SOURCE_LENGTH + " characters");
        }
        if (source.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("source must not contain control characters");
        }
        return source;
    }
}
