package dev.ratelimit;

import dev.ratelimit.email.AddResult;
import dev.ratelimit.email.EmailAddress;
import dev.ratelimit.email.EmailPage;
import dev.ratelimit.email.EmailRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The in-memory store: one lock, records by identity and an index by position. Positions increase
 * strictly ({@code max(now, last + 1)}), as in the Redis layout, so capture order is arrival order.
 */
final class InMemoryEmailStore implements EmailStore {

    private record Entry(long position, EmailRecord record) {}

    private final Clock clock;
    private final Map<String, Entry> byIdentity = new HashMap<>();
    private final NavigableMap<Long, EmailRecord> order = new TreeMap<>();

    InMemoryEmailStore(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public AddResult add(String address, @Nullable String source, @Nullable Instant capturedAt) {
        EmailAddress email = EmailAddress.parse(address);
        long now = capturedAt == null ? clock.nowMicros() : Durations.micros(capturedAt);
        EmailRecord record = new EmailRecord(email.address(), source, Durations.instant(now));
        synchronized (this) {
            if (byIdentity.containsKey(email.identity())) {
                return AddResult.ALREADY_PRESENT;
            }
            long position = order.isEmpty() ? now : Math.max(now, order.lastKey() + 1);
            byIdentity.put(email.identity(), new Entry(position, record));
            order.put(position, record);
            return AddResult.ADDED;
        }
    }

    @Override
    public boolean contains(String address) {
        String identity = EmailAddress.parse(address).identity();
        synchronized (this) {
            return byIdentity.containsKey(identity);
        }
    }

    @Override
    public boolean remove(String address) {
        String identity = EmailAddress.parse(address).identity();
        synchronized (this) {
            Entry entry = byIdentity.remove(identity);
            if (entry == null) {
                return false;
            }
            order.remove(entry.position());
            return true;
        }
    }

    @Override
    public synchronized long count() {
        return byIdentity.size();
    }

    @Override
    public EmailPage page(@Nullable String cursor, int size) {
        EmailScripts.checkPageSize(size);
        long after = cursor == null ? Long.MIN_VALUE : EmailScripts.cursor(cursor);
        synchronized (this) {
            List<EmailRecord> records = new ArrayList<>();
            long last = Long.MIN_VALUE;
            for (Map.Entry<Long, EmailRecord> e : order.tailMap(after, false).entrySet()) {
                if (records.size() == size) {
                    return new EmailPage(records, Long.toString(last));
                }
                records.add(e.getValue());
                last = e.getKey();
            }
            return new EmailPage(records, null);
        }
    }

    @Override
    public synchronized String toString() {
        return "InMemoryEmailStore[" + byIdentity.size() + " addresses]";
    }
}
