package dev.ratelimit;

import dev.ratelimit.email.AddResult;
import dev.ratelimit.email.EmailAddress;
import dev.ratelimit.email.EmailPage;
import dev.ratelimit.email.EmailRecord;
import dev.ratelimit.email.EmailStoreException;
import dev.ratelimit.spi.Script;
import dev.ratelimit.spi.ScriptTransport;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/** See {@link EmailStore#scripted}: the email scripts (layout in {@link EmailScripts}) through a {@link ScriptTransport}. */
final class ScriptedEmailStore implements EmailStore {

    private final ScriptTransport transport;
    private final String[] keys;
    private final @Nullable Clock clock;
    private final long timeoutNanos;

    ScriptedEmailStore(ScriptTransport transport, String prefix, @Nullable Clock clock, Duration timeout) {
        this.transport = transport;
        this.keys = EmailScripts.keys(prefix);
        this.clock = clock;
        this.timeoutNanos = timeout.toNanos();
    }

    @Override
    public AddResult add(String address, @Nullable String source, @Nullable Instant capturedAt) {
        EmailAddress email = EmailAddress.parse(address);
        String checked = EmailRecord.checkSource(source);
        long micros = capturedAt != null ? Durations.micros(capturedAt) : clock != null ? clock.nowMicros() : -1;
        long added = number(await(Scripts.EMAIL_ADD, EmailScripts.addArgs(email, checked, micros)));
        return added == 1 ? AddResult.ADDED : AddResult.ALREADY_PRESENT;
    }

    @Override
    public boolean contains(String address) {
        return number(await(
                        Scripts.EMAIL_CONTAINS,
                        new String[] {EmailAddress.parse(address).identity()}))
                == 1;
    }

    @Override
    public boolean remove(String address) {
        return number(await(
                        Scripts.EMAIL_REMOVE,
                        new String[] {EmailAddress.parse(address).identity()}))
                == 1;
    }

    @Override
    public long count() {
        return number(await(Scripts.EMAIL_COUNT, new String[0]));
    }

    @Override
    public EmailPage page(@Nullable String cursor, int size) {
        String[] args = EmailScripts.pageArgs(cursor, size);
        return EmailScripts.page(ScriptedRateLimitBackend.list(await(Scripts.EMAIL_PAGE, args)), size);
    }

    private Object await(Script script, String[] args) {
        CompletionStage<Object> pending = transport.eval(script, keys, args);
        try {
            return pending.toCompletableFuture().get(timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmailStoreException("interrupted during " + script.name(), e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new EmailStoreException(
                    script.name() + " failed on " + transport.describe() + ": " + cause.getMessage(), cause);
        } catch (TimeoutException e) {
            throw new EmailStoreException(
                    transport.describe() + " did not answer " + script.name() + " within "
                            + Duration.ofNanos(timeoutNanos).toMillis() + " ms",
                    e);
        }
    }

    private static long number(@Nullable Object reply) {
        if (reply instanceof Number n) {
            return n.longValue();
        }
        throw new EmailStoreException(
                "expected an integer reply, got "
                        + (reply == null ? "nil" : reply.getClass().getSimpleName()),
                null);
    }

    @Override
    public String toString() {
        return "EmailStore.scripted[" + transport.describe() + ", " + keys[0] + "]";
    }
}
