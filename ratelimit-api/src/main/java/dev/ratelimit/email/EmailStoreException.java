package dev.ratelimit.email;

import org.jspecify.annotations.Nullable;

/**
 * An email store's backend failed or did not answer in time; the address may or may not have been
 * stored. Adding it again is safe ({@code add} is idempotent). Never carries a password or token.
 */
public class EmailStoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * A failure described by {@code message}, caused by {@code cause}.
     *
     * @param message what failed; never a password or token
     * @param cause the failure of the backend, or {@code null} when there is none to report
     */
    public EmailStoreException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
