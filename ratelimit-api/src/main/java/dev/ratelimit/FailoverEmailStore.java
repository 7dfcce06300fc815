package dev.ratelimit;

import dev.ratelimit.email.AddResult;
import dev.ratelimit.email.EmailAddress;
import dev.ratelimit.email.EmailPage;
import dev.ratelimit.email.EmailRecord;
import dev.ratelimit.email.EmailStoreException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** See {@link EmailStore#failover}. */
final class FailoverEmailStore implements EmailStore {

    private static final Logger LOG = LoggerFactory.getLogger(EmailStore.class);

    private final List<EmailStore> stores;
    private final List<CircuitBreaker> breakers = new ArrayList<>();
    private final List<QuietLog> failures = new ArrayList<>();
    private final EmailSpool spool;
    private final ScheduledExecutorService delivery;
    private final ScheduledFuture<?> deliveries;
    private final AtomicBoolean delivering = new AtomicBoolean();
    /** Held by a delivery run and by an erasure, so an erased address is never delivered after it. */
    private final Object spoolLock = new Object();

    private final List<AutoCloseable> owned;

    FailoverEmailStore(List<EmailStore> stores, Path spoolFile, Duration deliveryInterval) {
        this(stores, spoolFile, deliveryInterval, List.of());
    }

    /** As above, closing {@code owned} after the stores. */
    FailoverEmailStore(
            List<EmailStore> stores, Path spoolFile, Duration deliveryInterval, List<? extends AutoCloseable> owned) {
        if (stores.isEmpty()) {
            throw new IllegalArgumentException("a failover store needs at least one store");
        }
        this.stores = List.copyOf(stores);
        this.owned = List.copyOf(owned);
        for (EmailStore store : this.stores) {
            breakers.add(new CircuitBreaker(
                    store.toString(), 3, 3, Duration.ofSeconds(1), System::nanoTime, (name, from, to) -> {
                        if (to == BreakerState.OPEN) {
                            LOG.warn(
                                    "email store {} failed repeatedly; addresses go to the next store or the spool",
                                    name);
                        } else if (to == BreakerState.CLOSED) {
                            LOG.info("email store {} accepts writes again", name);
                        }
                    }));
            failures.add(new QuietLog(LOG, Duration.ofSeconds(10)));
        }
        this.spool = new EmailSpool(spoolFile);
        this.delivery = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ratelimit-email-spool");
            t.setDaemon(true);
            return t;
        });
        long every = deliveryInterval.toMillis();
        this.deliveries = delivery.scheduleWithFixedDelay(this::deliver, 0, every, TimeUnit.MILLISECONDS);
    }

    @Override
    public AddResult add(String address, @Nullable String source, @Nullable Instant capturedAt) {
        EmailAddress email = EmailAddress.parse(address);
        String checked = EmailRecord.checkSource(source);
        Instant at = capturedAt != null ? capturedAt : now();
        AddResult result = tryStores(store -> store.add(email.address(), checked, at));
        if (result != null) {
            return result;
        }
        spool.append(new EmailSpool.Entry(email.address(), checked, at));
        return AddResult.SPOOLED;
    }

    private static Instant now() {
        return Durations.instant(Durations.micros(Instant.now()));
    }

    /** The first answer of a store whose breaker lets it be asked, or null when none answered. */
    private <T> @Nullable T tryStores(Function<EmailStore, T> operation) {
        for (int i = 0; i < stores.size(); i++) {
            CircuitBreaker breaker = breakers.get(i);
            // An open breaker's probe is the operation itself: email operations wait for their store.
            boolean probe = !breaker.allowsCalls();
            if (probe && !breaker.probeDue()) {
                continue;
            }
            int epoch = breaker.epoch();
            try {
                T result = operation.apply(stores.get(i));
                outcome(breaker, epoch, probe, true);
                return result;
            } catch (IllegalArgumentException e) {
                // The store answered: the caller's argument is wrong (an invalid address, a page size
                // out of range, a cursor it did not issue). Not a failure of the store.
                outcome(breaker, epoch, probe, true);
                throw e;
            } catch (RuntimeException e) {
                outcome(breaker, epoch, probe, false);
                failures.get(i).warn("email store " + stores.get(i) + " failed: " + e.getMessage());
            }
        }
        return null;
    }

    private static void outcome(CircuitBreaker breaker, int epoch, boolean probe, boolean ok) {
        if (probe) {
            breaker.probed(epoch, ok);
        } else {
            breaker.record(epoch, !ok);
        }
    }

    private <T> T required(String operation, Function<EmailStore, T> call) {
        T result = tryStores(call);
        if (result == null) {
            throw new EmailStoreException("no email store could " + operation, null);
        }
        return result;
    }

    @Override
    public boolean contains(String address) {
        EmailAddress email = EmailAddress.parse(address);
        return required("answer contains", store -> store.contains(email.address()));
    }

    /**
     * Erases the address from the spool — so it is never delivered — and from every store.
     *
     * @throws EmailStoreException if a store could not be reached: the address may still be there
     */
    @Override
    public boolean remove(String address) {
        String identity = EmailAddress.parse(address).identity();
        synchronized (spoolLock) {
            boolean removed = spool.erase(
                    entry -> EmailAddress.parse(entry.address()).identity().equals(identity));
            List<String> unreachable = new ArrayList<>();
            for (EmailStore store : stores) {
                try {
                    removed |= store.remove(address);
                } catch (RuntimeException e) {
                    unreachable.add(store.toString());
                    LOG.warn("email store {} could not erase an address: {}", store, e.getMessage());
                }
            }
            if (!unreachable.isEmpty()) {
                throw new EmailStoreException(
                        "the address is erased from the spool"
                                + (unreachable.size() < stores.size() ? " and some stores" : "") + ", but not from "
                                + unreachable + ", which could not be reached",
                        null);
            }
            return removed;
        }
    }

    @Override
    public long count() {
        return required("count", EmailStore::count);
    }

    @Override
    public EmailPage page(@Nullable String cursor, int size) {
        return required("page", store -> store.page(cursor, size));
    }

    /** Delivers what waits in the spool; runs on the delivery thread, and once more on demand in tests. */
    void deliver() {
        if (!delivering.compareAndSet(false, true)) {
            return;
        }
        try {
            synchronized (spoolLock) {
                deliverSpool();
            }
        } catch (RuntimeException e) {
            LOG.warn("delivering the email spool failed; it will be tried again: {}", e.getMessage());
        } finally {
            delivering.set(false);
        }
    }

    private void deliverSpool() {
        if (spool.isEmpty()) {
            return;
        }
        for (Path taken : spool.takeForDelivery()) {
            List<EmailSpool.Entry> entries = EmailSpool.read(taken);
            int done = 0;
            for (EmailSpool.Entry entry : entries) {
                if (tryStores(store -> store.add(entry.address(), entry.source(), entry.capturedAt())) == null) {
                    break;
                }
                done++;
            }
            for (EmailSpool.Entry left : entries.subList(done, entries.size())) {
                spool.append(left);
            }
            EmailSpool.delivered(taken);
            if (done > 0) {
                LOG.info(
                        "delivered {} spooled email addresses{}",
                        done,
                        done < entries.size() ? "; " + (entries.size() - done) + " wait for the next attempt" : "");
            }
            if (done < entries.size()) {
                return;
            }
        }
    }

    @Override
    public long spooled() {
        return spool.size();
    }

    /** Whether the spool holds addresses not yet delivered. */
    boolean spoolIsEmpty() {
        return spool.isEmpty();
    }

    @Override
    public void close() {
        deliveries.cancel(false);
        delivery.shutdownNow();
        try {
            delivery.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        spool.close();
        for (EmailStore store : stores) {
            store.close();
        }
        for (AutoCloseable resource : owned) {
            try {
                resource.close();
            } catch (Exception e) {
                LOG.warn("closing {} failed", resource, e);
            }
        }
    }

    @Override
    public String toString() {
        return "FailoverEmailStore" + stores + " + spool " + spool.file();
    }
}
