package dev.ratelimit.email;

import dev.ratelimit.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;

/** The in-memory store: one lock, a map by identity and a sorted index by (capture time, identity). */
final class InMemoryEmailStore implements EmailStore {

    private record Position(long micros, String identity) {
    }

    private static final Comparator<Position> ORDER =
            Comparator.comparingLong(Position::micros).thenComparing(Position::identity);

    private final Clock clock;
    private final Map<String, Entry> byIdentity = new HashMap<>();
    private final NavigableMap<Position, EmailRecord> order = new TreeMap<>(ORDER);

    private record Entry(Position position, EmailRecord record) {
    }

    InMemoryEmailStore(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public AddResult add(String address, String source) {
        EmailAddress email = EmailAddress.parse(address);
        long now = clock.nowMicros();
        EmailRecord record = new EmailRecord(email.address(), source,
                Instant.ofEpochSecond(now / 1_000_000L, (now % 1_000_000L) * 1_000L));
        synchronized (this) {
            if (byIdentity.containsKey(email.identity())) {
                return AddResult.ALREADY_PRESENT;
            }
            Position position = new Position(now, email.identity());
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
    public EmailPage page(String cursor, int size) {
        if (size < 1 || size > 1000) {
            throw new IllegalArgumentException("page size must be between 1 and 1000; got " + size);
        }
        Position after = cursor == null ? null : decode(cursor);
        synchronized (this) {
            NavigableMap<Position, EmailRecord> rest = after == null ? order : order.tailMap(after, false);
            List<EmailRecord> records = new ArrayList<>(Math.min(size, rest.size()));
            Position last = null;
            for (Map.Entry<Position, EmailRecord> e : rest.entrySet()) {
                if (records.size() == size) {
                    break;
                }
                records.add(e.getValue());
                last = e.getKey();
            }
            boolean more = last != null && order.higherKey(last) != null;
            return new EmailPage(records, more ? last.micros() + ":" + last.identity() : null);
        }
    }

    private static Position decode(String cursor) {
        int colon = cursor.indexOf(':');
        try {
            if (colon > 0) {
                return new Position(Long.parseLong(cursor.substring(0, colon)), cursor.substring(colon + 1));
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("not a cursor issued by this store");
    }

    @Override
    public synchronized String toString() {
        return "InMemoryEmailStore[" + byIdentity.size() + " addresses]";
    }
}
