package dev.ratelimit.email;

import org.jspecify.annotations.Nullable;

/**
 * An email store's backend failed or did not answer in time; the address may or may not have been
 * stored. Adding it again is safe ({@code add} is idempotent). Never carries a password or token.
 */
public class EmailStoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** A failure described by {@code message}, caused by {@code cause}. */
    public EmailStoreException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
