package dev.ratelimit;

import dev.ratelimit.email.AddResult;
import dev.ratelimit.email.EmailAddress;
import dev.ratelimit.email.EmailPage;
import dev.ratelimit.email.EmailRecord;
import dev.ratelimit.email.EmailStoreException;
import dev.ratelimit.email.InvalidEmailException;
import dev.ratelimit.spi.ScriptTransport;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

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

    /**
     * Adds {@code address} with no source label, captured now; see
     * {@link #add(String, String, Instant)}.
     *
     * @param address the address as the person typed it
     * @return whether it was added, already present or spooled
     * @throws InvalidEmailException if the address is invalid
     */
    default AddResult add(String address) {
        return add(address, null, null);
    }

    /**
     * Adds {@code address} captured now at {@code source}; see {@link #add(String, String, Instant)}.
     *
     * @param address the address as the person typed it
     * @param source where it was captured, such as {@code "landing-page"}, or {@code null}
     * @return whether it was added, already present or spooled
     * @throws InvalidEmailException if the address is invalid
     * @throws IllegalArgumentException if the source is longer than 100 characters or has control characters
     */
    default AddResult add(String address, @Nullable String source) {
        return add(address, source, null);
    }

    /**
     * Adds {@code address}, captured at {@code source} (a label such as {@code "landing-page"}, or
     * null) at {@code capturedAt} (null: now, by the store's clock; a time is given when importing
     * or delivering a spooled address). Idempotent: a second add of the same identity changes
     * nothing and returns {@link AddResult#ALREADY_PRESENT}.
     *
     * @param address the address as the person typed it; stored in its normalised form
     *     ({@link EmailAddress#address()})
     * @param source where it was captured, or {@code null}; an empty source is stored as
     *     {@code null}
     * @param capturedAt the capture time, or {@code null} for now; kept to the microsecond
     * @return {@link AddResult#ADDED}, {@link AddResult#ALREADY_PRESENT}, or (only from a
     *     {@link #failover} store) {@link AddResult#SPOOLED}
     * @throws InvalidEmailException if the address is invalid
     * @throws IllegalArgumentException if the source is longer than 100 characters or has control characters
     */
    AddResult add(String address, @Nullable String source, @Nullable Instant capturedAt);

    /**
     * {@return whether an address with the same identity is stored}
     *
     * @param address the address to look for, as typed
     * @throws InvalidEmailException if the address is invalid
     */
    boolean contains(String address);

    /**
     * Erases every trace of {@code address}: its entry, its record, its place in the order.
     *
     * @param address the address to erase, in any spelling with the same identity
     * @return whether anything was stored for it
     * @throws InvalidEmailException if the address is invalid
     */
    boolean remove(String address);

    /** {@return the number of addresses stored} */
    long count();

    /**
     * {@return up to {@code size} addresses in capture order, starting after {@code cursor}}
     *
     * @param cursor null for the first page, else a previous page's {@link EmailPage#nextCursor()}
     * @param size between 1 and 1000
     * @throws IllegalArgumentException for a size out of range or a cursor this store did not issue
     */
    EmailPage page(@Nullable String cursor, int size);

    /**
     * Writes every address as CSV (RFC 4180) in capture order: a header line
     * {@code email,source,captured_at}, then one line per address with the capture time in
     * ISO-8601 UTC. A field that a spreadsheet would run as a formula (starting with {@code =},
     * {@code +}, {@code -}, {@code @}, a tab or a carriage return) is prefixed with {@code '}.
     *
     * @param out where the CSV goes, line by line; not closed or flushed
     * @throws IOException if {@code out} throws it
     */
    default void exportCsv(Appendable out) throws IOException {
        out.append("email,source,captured_at\r\n");
        @Nullable String cursor = null;
        do {
            EmailPage page = page(cursor, 500);
            for (EmailRecord r : page.records()) {
                out.append(Csv.field(r.address()))
                        .append(',')
                        .append(r.source() == null ? "" : Csv.field(r.source()))
                        .append(',')
                        .append(DateTimeFormatter.ISO_INSTANT.format(r.capturedAt()))
                        .append("\r\n");
            }
            cursor = page.nextCursor();
        } while (cursor != null);
    }

    /**
     * {@return how many addresses wait in a spool to be delivered to a store} Only a
     * {@link #failover} store has one; the default is 0. For metrics and health checks.
     */
    default long spooled() {
        return 0;
    }

    /** Releases connections; idempotent. */
    @Override
    default void close() {}

    /**
     * {@return the store wired from the environment} Redis from {@code REDIS_URL}, then Upstash from
     * {@code UPSTASH_REDIS_REST_URL}/{@code UPSTASH_REDIS_REST_TOKEN}, with a durable spool behind
     * them in the directory named by {@code RATELIMIT_SPOOL_DIR} (default {@code ratelimit-spool}
     * in the working directory); see {@link #failover}. With neither configured, the addresses are
     * kept in this JVM's memory, and the log says so.
     *
     * @throws IllegalArgumentException if a variable is malformed (naming it, never a secret)
     */
    static EmailStore fromEnvironment() {
        return fromEnvironment(System::getenv);
    }

    /**
     * {@return the store {@link #fromEnvironment()} wires, reading the variables through
     * {@code variables}}
     *
     * @param variables the value of a variable by name, {@code null} when it is unset; not null
     * @throws IllegalArgumentException if a variable is malformed (naming it, never a secret)
     */
    static EmailStore fromEnvironment(java.util.function.UnaryOperator<String> variables) {
        return Environment.emailStore(java.util.Objects.requireNonNull(variables, "variables"));
    }

    /**
     * {@return a store that never loses an address} {@code add} tries each store in order, each behind its
     * own circuit breaker; when none takes the address it is appended to {@code spoolFile} and
     * flushed to disk before {@code add} returns {@link AddResult#SPOOLED}. The spool is delivered
     * in the background, once, as soon as a store accepts writes again — also after a restart, when
     * a new failover store finds the file. A corrupt or truncated spool line is reported in the log
     * and skipped. The other operations use the first store that answers ({@code remove} tries all
     * of them), and throw {@link EmailStoreException} when none does. Closing it closes the stores.
     *
     * @param stores the stores, in the order they are tried; at least one
     * @param spoolFile the spool, created if missing (with its directory; readable by its owner
     *     only where the file system has POSIX permissions)
     * @throws IllegalArgumentException if {@code stores} is empty
     * @throws java.io.UncheckedIOException if the spool file cannot be created or opened
     */
    static EmailStore failover(List<EmailStore> stores, Path spoolFile) {
        return new FailoverEmailStore(stores, spoolFile, Duration.ofSeconds(1));
    }

    /**
     * {@return a builder for the store that runs the library's email scripts through
     * {@code transport}} A sorted set of identities in capture order and a hash of records, both in
     * one Cluster slot
     * ({@code <prefix>:{emails}:index} and {@code <prefix>:{emails}:records}); {@code add} and
     * {@code remove} are atomic scripts, so concurrent adds of one address store it once. A failure
     * of the server, or no answer within the timeout, throws {@link EmailStoreException}. Closing
     * the store leaves the transport open: whoever opened it closes it.
     *
     * @param transport the connection to the server; not null
     */
    static ScriptedBuilder scripted(ScriptTransport transport) {
        return new ScriptedBuilder(transport);
    }

    /** Configures a {@link #scripted} store; every option may be set once. */
    final class ScriptedBuilder {
        final ScriptTransport transport;
        String prefix = "rl";

        @Nullable
        Clock clock;

        Duration timeout = Duration.ofSeconds(5);
        private final Options set = new Options("EmailStore.scripted");

        private ScriptedBuilder(ScriptTransport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
        }

        /**
         * The first part of the store's two keys (default {@code rl}).
         *
         * @param prefix as for rate-limit keys: 1 to 64 characters, no braces, whitespace or control
         *     characters
         * @return this builder
         * @throws IllegalArgumentException if the prefix does not have that form
         * @throws IllegalStateException if the prefix was already set
         */
        public ScriptedBuilder keyPrefix(String prefix) {
            set.once("keyPrefix");
            this.prefix = RateLimitScript.checkPrefix(prefix);
            return this;
        }

        /**
         * Capture times from this clock instead of the server's {@code TIME} (tests, imports).
         *
         * @param clock the time source of capture times not given to {@code add}; not null
         * @return this builder
         * @throws IllegalStateException if the clock was already set
         */
        public ScriptedBuilder clock(Clock clock) {
            set.once("clock");
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The longest an operation waits for the server (default 5 s).
         *
         * @param timeout between 1 ms and 1 minute
         * @return this builder
         * @throws IllegalArgumentException unless between 1 ms and 1 minute
         * @throws IllegalStateException if the timeout was already set
         */
        public ScriptedBuilder timeout(Duration timeout) {
            set.once("timeout");
            this.timeout = Durations.between(timeout, "timeout", Duration.ofMillis(1), Duration.ofMinutes(1));
            return this;
        }

        /**
         * Builds the store and asks the transport to preload the script that adds addresses.
         *
         * @return a new store
         */
        public EmailStore build() {
            transport.preload(Scripts.EMAIL_ADD);
            return new ScriptedEmailStore(transport, prefix, clock, timeout);
        }
    }

    /** {@return a store in this JVM's memory, on the system clock; for development and tests} */
    static EmailStore inMemory() {
        return inMemory(Clock.system());
    }

    /**
     * {@return a store in this JVM's memory whose capture times come from {@code clock}}
     *
     * @param clock the time source of capture times not given to {@code add}; a {@link TestClock}
     *     in tests
     */
    static EmailStore inMemory(Clock clock) {
        return new InMemoryEmailStore(clock);
    }
}

final class Csv {

    private Csv() {}

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
