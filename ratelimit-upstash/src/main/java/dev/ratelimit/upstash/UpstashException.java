package dev.ratelimit.upstash;

import org.jspecify.annotations.Nullable;

/**
 * Upstash, or a compatible REST server, refused or failed a request. {@link #kind()} says which
 * way; the message never contains the token.
 */
public final class UpstashException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Kind {
        /** The server ran the command and Redis refused it (HTTP 400, or an error item in a pipeline). */
        COMMAND,
        /** The token was refused (HTTP 401 or 403): check {@code UPSTASH_REDIS_REST_TOKEN}. */
        AUTHENTICATION,
        /**
         * No usable answer: a 5xx or other unexpected status, a timeout, a reset connection, or a body
         * that is not the expected JSON. The failover layer treats this as the backend being down.
         */
        TRANSPORT
    }

    /** What went wrong. */
    private final Kind kind;

    UpstashException(Kind kind, String message, @Nullable Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    /** {@return what went wrong: a refused command, a refused token, or no usable answer} */
    public Kind kind() {
        return kind;
    }
}
