package dev.ratelimit.email;

/**
 * An email address was refused; {@link #reason()} says why in a few words. The message never
 * repeats the input, so it is safe to log and to show to the person who typed it.
 */
public final class InvalidEmailException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** Why the address was refused, without the address. */
    private final String reason;

    InvalidEmailException(String reason) {
        super("invalid email address: " + reason);
        this.reason = reason;
    }

    /** {@return why the address was refused, such as {@code "missing top level domain"}} */
    public String reason() {
        return reason;
    }
}
