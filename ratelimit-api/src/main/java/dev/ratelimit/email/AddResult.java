package dev.ratelimit.email;

/** What {@link dev.ratelimit.EmailStore#add} did with an address. */
public enum AddResult {
    /** Stored now, for the first time. */
    ADDED,
    /** An address with the same identity was already stored; nothing changed. */
    ALREADY_PRESENT,
    /**
     * No backend could take the address, so it was written to the local spool file (on disk before
     * {@code add} returned); it is delivered, once, when a backend accepts writes again.
     */
    SPOOLED
}
