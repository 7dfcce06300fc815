package dev.ratelimit.email;

import dev.ratelimit.Clock;
import java.io.IOException;
import java.time.format.DateTimeFormatter;

/**
 * Stores the email addresses a landing page captures: each address once, in capture order, until
 * it is removed.
 *
 * <p>Every method validates its address with {@link EmailAddress#parse} first and throws
 * {@link InvalidEmailException} (naming the reason, never echoing the input) for an invalid one;
 * nothing is stored then. Addresses are the same subscriber when their
 * {@linkplain EmailAddress#identity() identities} are equal.
 *
 * <p>Stores in other modules throw an unchecked exception when their backend fails; the failover
 * store returned by the environment wiring never does ({@link AddResult#SPOOLED}).
 * Implementations are thread-safe.
 */
public interface EmailStore extends AutoCloseable {

    /** Adds {@code address} with no source label. */
    default AddResult add(String address) {
        return add(address, null);
    }

    /**
     * Adds {@code address}, captured at {@code source} (a label such as {@code "landing-page"}, or
     * null). Idempotent: a second add of the same identity changes nothing and returns
     * {@link AddResult#ALREADY_PRESENT}.
     *
     * @throws InvalidEmailException if the address is invalid
     * @throws IllegalArgumentException if the source is longer than 100 characters or has control characters
     */
    AddResult add(String address, String source);

    /** Whether an address with the same identity is stored. */
    boolean contains(String address);

    /**
     * Erases every trace of {@code address}: its entry, its record, its place in the order.
     *
     * @return whether anything was stored for it
     */
    boolean remove(String address);

    /** The number of addresses stored. */
    long count();

    /**
     * Up to {@code size} addresses in capture order, starting after {@code cursor}.
     *
     * @param cursor null for the first page, else a previous page's {@link EmailPage#nextCursor()}
     * @param size between 1 and 1000
     * @throws IllegalArgumentException for a size out of range or a cursor this store did not issue
     */
    EmailPage page(String cursor, int size);

    /**
     * Writes every address as CSV (RFC 4180) in capture order: a header line
     * {@code email,source,captured_at}, then one line per address with the capture time in
     * ISO-8601 UTC. A field that a spreadsheet would run as a formula (starting with {@code =},
     * {@code +}, {@code -}, {@code @}) is prefixed with {@code '}.
     */
    default void exportCsv(Appendable out) throws IOException {
        out.append("email,source,captured_at\r\n");
        String cursor = null;
        do {
            EmailPage page = page(cursor, 500);
            for (EmailRecord r : page.records()) {
                out.append(Csv.field(r.address())).append(',')
                        .append(r.source() == null ? "" : Csv.field(r.source())).append(',')
                        .append(DateTimeFormatter.ISO_INSTANT.format(r.capturedAt())).append("\r\n");
            }
            cursor = page.nextCursor();
        } while (cursor != null);
    }

    /** Releases connections; idempotent. */
    @Override
    default void close() {
    }

    /** A store in this JVM's memory, on the system clock; for development and tests. */
    static EmailStore inMemory() {
        return inMemory(Clock.system());
    }

    /** A store in this JVM's memory whose capture times come from {@code clock}. */
    static EmailStore inMemory(Clock clock) {
        return new InMemoryEmailStore(clock);
    }
}

final class Csv {

    private Csv() {
    }

    static String field(String value) {
        String v = value;
        if (!v.isEmpty() && "=+-@\t\r".indexOf(v.charAt(0)) >= 0) {
            v = "'" + v;
        }
        if (v.indexOf(',') < 0 && v.indexOf('"') < 0 && v.indexOf('\n') < 0 && v.indexOf('\r') < 0) {
            return v;
        }
        return '"' + v.replace("\"", "\"\"") + '"';
    }
}
