package dev.ratelimit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Caller keys as every backend stores them: keys longer than 256 UTF-8 bytes become a SHA-256 digest. */
final class Keys {

    static final int MAX_KEY_BYTES = 256;

    private Keys() {}

    /**
     * Checks {@code key} and returns the form a backend stores.
     *
     * @throws NullPointerException if the key is null
     * @throws IllegalArgumentException if the key is empty
     */
    static String bounded(String key) {
        if (java.util.Objects.requireNonNull(key, "key").isEmpty()) {
            throw new IllegalArgumentException("key must not be empty");
        }
        if (key.length() * 3 <= MAX_KEY_BYTES) {
            return key;
        }
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        return bytes.length <= MAX_KEY_BYTES ? key : digest(bytes);
    }

    /**
     * The hash tag of {@code key}'s Redis keys ({@code <prefix>:{<tag>}:…}): its bounded form, or
     * the digest when that holds a {@code }}, which would end the tag early (Redis takes the tag up
     * to the first {@code }}) and could scatter one caller's keys over Cluster slots.
     */
    static String hashTag(String key) {
        String bounded = bounded(key);
        return bounded.indexOf('}') < 0 ? bounded : digest(key.getBytes(StandardCharsets.UTF_8));
    }

    private static String digest(byte[] bytes) {
        try {
            return "sha256:"
                    + HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
