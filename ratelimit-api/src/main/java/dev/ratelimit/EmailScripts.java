package dev.ratelimit;

import dev.ratelimit.email.EmailAddress;
import dev.ratelimit.email.EmailPage;
import dev.ratelimit.email.EmailRecord;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The layout and script calls of an email store on Redis or Upstash.
 *
 * <p>Two keys per prefix, in one Cluster slot: {@code <prefix>:{emails}:index}, a sorted set of
 * identities scored by a strictly increasing position (the capture time in µs, bumped past the
 * last one on ties), and {@code <prefix>:{emails}:records}, a hash from identity to
 * {@code "<capturedµs>\t<address>\t<source>"}. Erasure removes both entries.
 */
final class EmailScripts {

    private EmailScripts() {}

    /** {@code KEYS} of every email script: the index, then the records. */
    static String[] keys(String prefix) {
        RateLimitScript.checkPrefix(prefix);
        return new String[] {prefix + ":{emails}:index", prefix + ":{emails}:records"};
    }

    /**
     * {@code ARGV} of {@link Script#EMAIL_ADD}.
     *
     * @param nowMicros the capture time, or negative for the server's clock
     */
    static String[] addArgs(EmailAddress email, @Nullable String source, long nowMicros) {
        return new String[] {
            email.identity(),
            email.address() + "\t" + (source == null ? "" : source),
            nowMicros < 0 ? "" : Long.toString(nowMicros)
        };
    }

    /**
     * {@code ARGV} of {@link Script#EMAIL_PAGE}.
     *
     * @throws IllegalArgumentException for a size out of range or a cursor no store issued
     */
    static String[] pageArgs(@Nullable String cursor, int size) {
        checkPageSize(size);
        return new String[] {cursor == null ? "" : Long.toString(cursor(cursor)), Integer.toString(size)};
    }

    /**
     * Checks a page size: every store's pages hold 1 to 1000 addresses.
     *
     * @throws IllegalArgumentException naming the size
     */
    static int checkPageSize(int size) {
        if (size < 1 || size > 1000) {
            throw new IllegalArgumentException("page size must be between 1 and 1000; got " + size);
        }
        return size;
    }

    /**
     * The position a cursor names: every store's cursors are the position of the last address on
     * the page before.
     *
     * @throws IllegalArgumentException for a cursor no store issued
     */
    static long cursor(String cursor) {
        if (!cursor.matches("[0-9]{1,18}")) {
            throw new IllegalArgumentException("not a cursor issued by this store");
        }
        return Long.parseLong(cursor);
    }

    /** Turns {@link Script#EMAIL_PAGE}'s reply into a page of at most {@code size} records. */
    static EmailPage page(List<?> reply, int size) {
        List<EmailRecord> records = new ArrayList<>(Math.min(size, reply.size() / 2));
        @Nullable String last = null;
        for (int x = 0; x + 1 < reply.size() && records.size() < size; x += 2) {
            last = String.valueOf(reply.get(x));
            records.add(record(String.valueOf(reply.get(x + 1))));
        }
        boolean more = reply.size() / 2 > size;
        return new EmailPage(records, more ? last : null);
    }

    private static EmailRecord record(String stored) {
        String[] parts = stored.split("\t", 3);
        if (parts.length != 3) {
            throw new IllegalStateException("malformed email record in the store");
        }
        long micros = Long.parseLong(parts[0]);
        return new EmailRecord(parts[1], parts[2].isEmpty() ? null : parts[2], Durations.instant(micros));
    }
}
