package dev.ratelimit.spi;

import dev.ratelimit.Clock;
import dev.ratelimit.email.AddResult;
import dev.ratelimit.email.EmailAddress;
import dev.ratelimit.email.EmailPage;
import dev.ratelimit.email.EmailRecord;
import dev.ratelimit.email.EmailStore;
import dev.ratelimit.email.EmailStoreException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An email store that runs the email scripts (layout in {@link EmailScripts}) through a
 * {@link ScriptTransport}: the shared body of the Redis and Upstash stores. A failure of the
 * server, or no answer within the wait, throws {@link EmailStoreException}. The Redis and Upstash
 * stores extend it with their connection's life cycle. Thread-safe.
 */
public class ScriptedEmailStore implements EmailStore {

    private final ScriptTransport transport;
    private final String[] keys;
    private final Clock clock;
    private final long waitMillis;

    /**
     * @param prefix the first part of the store's keys
     * @param clock the clock of capture times, or {@code null} for the server's {@code TIME}
     * @param wait the longest an operation waits for the server
     */
    public ScriptedEmailStore(ScriptTransport transport, String prefix, Clock clock, Duration wait) {
        this.transport = Objects.requireNonNull(transport, "transport");
        this.keys = EmailScripts.keys(prefix);
        this.clock = clock;
        this.waitMillis = wait.toMillis();
    }

    @Override
    public AddResult add(String address, String source, Instant capturedAt) {
        EmailAddress email = EmailAddress.parse(address);
        String checked = EmailRecord.checkSource(source);
        long micros = capturedAt != null ? capturedAt.getEpochSecond() * 1_000_000L + capturedAt.getNano() / 1_000
                : clock != null ? clock.nowMicros() : -1;
        long added = number(await(Script.EMAIL_ADD, EmailScripts.addArgs(email, checked, micros)));
        return added == 1 ? AddResult.ADDED : AddResult.ALREADY_PRESENT;
    }

    @Override
    public boolean contains(String address) {
        return number(await(Script.EMAIL_CONTAINS, new String[] {EmailAddress.parse(address).identity()})) == 1;
    }

    @Override
    public boolean remove(String address) {
        return number(await(Script.EMAIL_REMOVE, new String[] {EmailAddress.parse(address).identity()})) == 1;
    }

    @Override
    public long count() {
        return number(await(Script.EMAIL_COUNT, new String[0]));
    }

    @Override
    public EmailPage page(String cursor, int size) {
        String[] args = EmailScripts.pageArgs(cursor, size);
        return EmailScripts.page(ScriptedRateLimitBackend.list(await(Script.EMAIL_PAGE, args)), size);
    }

    private Object await(Script script, String[] args) {
        CompletionStage<Object> pending = transport.eval(script, keys, args);
        try {
            return pending.toCompletableFuture().get(waitMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmailStoreException("interrupted during " + script.name(), e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new EmailStoreException(script.name() + " failed on " + transport.describe() + ": "
                    + cause.getMessage(), cause);
        } catch (TimeoutException e) {
            throw new EmailStoreException(transport.describe() + " did not answer " + script.name() + " within "
                    + waitMillis + " ms", e);
        }
    }

    private static long number(Object reply) {
        if (reply instanceof Number n) {
            return n.longValue();
        }
        throw new EmailStoreException("expected an integer reply, got "
                + (reply == null ? "nil" : reply.getClass().getSimpleName()), null);
    }

    @Override
    public String toString() {
        return "ScriptedEmailStore[" + transport.describe() + ", " + keys[0] + "]";
    }
}
