package dev.ratelimit.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * Argument checks for the configuration builders of backend modules, with messages that name what
 * is wrong: the library's own modules use them, so a Redis and an Upstash setting are refused in
 * the same words.
 */
public final class Checks {

    private Checks() {}

    /**
     * Checks that a duration setting is positive.
     *
     * @param value the duration to check
     * @param name the setting's name, for the messages
     * @return {@code value}, when it is positive
     * @throws NullPointerException naming {@code name} if it is null
     * @throws IllegalArgumentException naming {@code name} and the value otherwise
     */
    public static Duration positive(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive; got " + value);
        }
        return value;
    }

    /**
     * {@return {@code text} as it may be repeated in a message about bad input} That is at most 80
     * characters (then {@code …}), with control characters replaced by {@code ?}.
     *
     * @param text the input to quote; never a secret
     */
    public static String printable(String text) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), 81));
        for (int i = 0; i < text.length() && i < 80; i++) {
            char c = text.charAt(i);
            out.append(Character.isISOControl(c) ? '?' : c);
        }
        if (text.length() > 80) {
            out.append('…');
        }
        return out.toString();
    }
}
