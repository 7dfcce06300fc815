package dev.ratelimit.micrometer;

import dev.ratelimit.EmailStore;
import dev.ratelimit.email.AddResult;
import dev.ratelimit.email.EmailPage;
import dev.ratelimit.email.InvalidEmailException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** An email store that counts what {@code add} returned, and otherwise is the store it wraps. */
final class MeteredEmailStore implements EmailStore {

    private final EmailStore store;
    private final Map<AddResult, Counter> results = new EnumMap<>(AddResult.class);
    private final Counter invalid;
    private final Counter failed;

    MeteredEmailStore(EmailStore store, MeterRegistry registry) {
        this.store = store;
        for (AddResult result : AddResult.values()) {
            results.put(result, counter(registry, result.name().toLowerCase(Locale.ROOT)));
        }
        this.invalid = counter(registry, "invalid");
        this.failed = counter(registry, "failed");
    }

    private static Counter counter(MeterRegistry registry, String result) {
        return Counter.builder("ratelimit.emails.added")
                .description("Email addresses offered to add, by result")
                .tag("result", result)
                .register(registry);
    }

    @Override
    public AddResult add(String address, @Nullable String source, @Nullable Instant capturedAt) {
        AddResult result;
        try {
            result = store.add(address, source, capturedAt);
        } catch (InvalidEmailException e) {
            invalid.increment();
            throw e;
        } catch (RuntimeException e) {
            failed.increment();
            throw e;
        }
        Objects.requireNonNull(results.get(result), "a counter for every AddResult")
                .increment();
        return result;
    }

    @Override
    public boolean contains(String address) {
        return store.contains(address);
    }

    @Override
    public boolean remove(String address) {
        return store.remove(address);
    }

    @Override
    public long count() {
        return store.count();
    }

    @Override
    public EmailPage page(@Nullable String cursor, int size) {
        return store.page(cursor, size);
    }

    @Override
    public void exportCsv(Appendable out) throws IOException {
        store.exportCsv(out);
    }

    @Override
    public long spooled() {
        return store.spooled();
    }

    @Override
    public void close() {
        store.close();
    }

    @Override
    public String toString() {
        return store.toString();
    }
}
