package dev.ratelimit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.Clock;
import dev.ratelimit.EmailStore;
import dev.ratelimit.TestClock;
import dev.ratelimit.email.AddResult;
import dev.ratelimit.email.EmailPage;
import dev.ratelimit.email.EmailRecord;
import dev.ratelimit.email.InvalidEmailException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract every {@link EmailStore} meets: strict validation that stores nothing invalid,
 * normalisation and case-insensitive identity, idempotent {@code add}, erasure, count, paging in
 * capture order and CSV export. Extend it and implement {@link #createStore(Clock)}; the store must
 * start empty (each test gets a fresh one).
 */
public abstract class EmailStoreContract {

    /** The clock the store under test must read for capture times. */
    protected TestClock clock;
    /** The store under test. */
    protected EmailStore store;

    private String run;

    /**
     * Creates an empty store under test whose capture times come from {@code clock}. Called before
     * each test; the store is closed after it.
     *
     * @param clock the test's clock, which the tests advance
     * @return a new, empty store
     */
    protected abstract EmailStore createStore(Clock clock);

    @BeforeEach
    void createStoreOnTestClock() {
        clock = new TestClock(Instant.parse("2026-04-01T08:00:00.000001Z"));
        store = createStore(clock);
        run = UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    /**
     * An address unique to this test run.
     *
     * @param local the local part to start with
     * @return {@code local}, a dot and a tag of this run, then {@code @example.com}
     */
    protected String address(String local) {
        return local + "." + run + "@example.com";
    }

    @Test
    void add_isIdempotentAcrossCaseAndWhitespace() {
        String address = address("Ada.Lovelace");
        assertThat(store.add(address, "landing")).isEqualTo(AddResult.ADDED);
        assertThat(store.add(address)).isEqualTo(AddResult.ALREADY_PRESENT);
        assertThat(store.add("  " + address.toUpperCase(java.util.Locale.ROOT) + "\t"))
                .isEqualTo(AddResult.ALREADY_PRESENT);
        assertThat(store.count()).isEqualTo(1);
        assertThat(store.contains(address.toLowerCase(java.util.Locale.ROOT))).isTrue();
        EmailRecord record = store.page(null, 10).records().get(0);
        assertThat(record.address()).isEqualTo(address);
        assertThat(record.source()).isEqualTo("landing");
        assertThat(record.capturedAt()).isEqualTo(clock.instant());
    }

    @Test
    void internationalisedDomain_isStoredAsLowerCaseAscii() {
        String local = "jose." + run;
        assertThat(store.add(local + "@Bücher.Example")).isEqualTo(AddResult.ADDED);
        assertThat(store.add(local + "@xn--bcher-kva.example")).isEqualTo(AddResult.ALREADY_PRESENT);
        assertThat(store.page(null, 1).records().get(0).address()).isEqualTo(local + "@xn--bcher-kva.example");
    }

    static Stream<Arguments> invalidAddresses() {
        return Stream.of(
                Arguments.of(null, "no address given"),
                Arguments.of("", "empty"),
                Arguments.of("   ", "empty"),
                Arguments.of("plainaddress", "missing @"),
                Arguments.of("user@localhost", "top level domain"),
                Arguments.of("user@[192.168.0.1]", "ip"),
                Arguments.of("user@192.168.0.1", ""),
                Arguments.of("us er@example.com", "whitespace"),
                Arguments.of("user@exa\u0000mple.com", "control character"),
                Arguments.of("user\r\nBcc: victim@example.com", "control character"),
                Arguments.of("user\u200b@example.com", "control character"),
                Arguments.of("John Doe <john@example.com>", ""),
                Arguments.of("(comment)john@example.com", "comment"),
                Arguments.of("a@b@example.com", ""),
                Arguments.of("user@-example.com", ""),
                Arguments.of("user.@example.com", ""),
                Arguments.of("x".repeat(243) + "@example.com", "longer than 254"),
                Arguments.of("x".repeat(5000) + "@example.com", "longer than 254"));
    }

    @ParameterizedTest
    @MethodSource("invalidAddresses")
    void invalidAddress_isRefusedWithAReasonAndNothingIsStored(String input, String reason) {
        assertThatThrownBy(() -> store.add(input, "landing"))
                .isInstanceOf(InvalidEmailException.class)
                .satisfies(e -> {
                    String message = String.valueOf(e.getMessage());
                    assertThat(message).startsWith("invalid email address: ");
                    assertThat(((InvalidEmailException) e).reason())
                            .isNotBlank()
                            .containsIgnoringCase(reason);
                    assertThat(message.chars().noneMatch(Character::isISOControl))
                            .as("no control characters")
                            .isTrue();
                    if (input != null && input.length() > 3) {
                        assertThat(message).doesNotContain(input.strip());
                    }
                });
        assertThat(store.count()).isZero();
        assertThat(store.page(null, 10).records()).isEmpty();
    }

    @Test
    void longestAcceptedAddress_is254Characters() {
        String local = run + "y".repeat(56);
        String domain = "a".repeat(63) + "." + "b".repeat(63) + "." + "c".repeat(57) + ".com";
        String address = local + "@" + domain;
        assertThat(address).hasSize(254);
        assertThat(store.add(address)).isEqualTo(AddResult.ADDED);
        assertThatThrownBy(() -> store.add(local + "@x." + domain))
                .isInstanceOf(InvalidEmailException.class)
                .hasMessageContaining("254");
    }

    @Test
    void invalidSource_isRefusedAndNothingIsStored() {
        assertThatThrownBy(() -> store.add(address("src"), "x".repeat(101)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("100");
        assertThatThrownBy(() -> store.add(address("src"), "a\nb"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("control");
        assertThat(store.count()).isZero();
        assertThat(store.contains(address("src"))).isFalse();
    }

    @Test
    void remove_erasesEveryTrace() {
        String keep = address("keep");
        String gone = address("gone");
        store.add(keep, "a");
        clock.advance(Duration.ofSeconds(1));
        store.add(gone, "b");
        assertThat(store.remove(gone.toUpperCase(java.util.Locale.ROOT))).isTrue();
        assertThat(store.remove(gone)).isFalse();
        assertThat(store.contains(gone)).isFalse();
        assertThat(store.count()).isEqualTo(1);
        assertThat(store.page(null, 10).records())
                .extracting(EmailRecord::address)
                .containsExactly(keep);

        clock.advance(Duration.ofSeconds(1));
        assertThat(store.add(gone, "c")).as("an erased address is new again").isEqualTo(AddResult.ADDED);
        EmailRecord again = store.page(null, 10).records().get(1);
        assertThat(again.source()).isEqualTo("c");
        assertThat(again.capturedAt()).isEqualTo(clock.instant());
    }

    @Test
    void pages_followCaptureOrder_tiesByArrival() {
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 23; i++) {
            String address = address(String.format("p%02d", i));
            store.add(address);
            expected.add(address);
            if (i % 5 != 4) {
                clock.advanceMicros(1 + i);
            }
        }
        List<String> seen = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        String cursor = null;
        do {
            EmailPage page = store.page(cursor, 10);
            sizes.add(page.records().size());
            page.records().forEach(r -> seen.add(r.address()));
            cursor = page.nextCursor();
        } while (cursor != null);
        assertThat(sizes).containsExactly(10, 10, 3);
        assertThat(seen).containsExactlyElementsOf(expected);
    }

    @Test
    void paging_survivesRemovalsBetweenPages() {
        for (int i = 0; i < 6; i++) {
            store.add(address("r" + i));
            clock.advanceMicros(10);
        }
        EmailPage first = store.page(null, 2);
        store.remove(address("r1"));
        store.remove(address("r2"));
        EmailPage second = store.page(first.nextCursor(), 2);
        assertThat(second.records()).extracting(EmailRecord::address).containsExactly(address("r3"), address("r4"));
        assertThatThrownBy(() -> store.page(null, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.page(null, 1001)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.page("not a cursor", 10)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void emptyStore_hasOneEmptyPage() {
        EmailPage page = store.page(null, 10);
        assertThat(page.records()).isEmpty();
        assertThat(page.nextCursor()).isNull();
        assertThat(store.count()).isZero();
        assertThat(store.contains(address("nobody"))).isFalse();
        assertThat(store.remove(address("nobody"))).isFalse();
    }

    @Test
    void exportCsv_quotesAndDefusesFormulas() throws Exception {
        store.add(address("plain"), "landing, hero");
        clock.advanceMicros(5);
        store.add("=cmd" + run + "@example.com", "=HYPERLINK(\"x\")");
        clock.advanceMicros(5);
        store.add(address("nosource"));
        StringBuilder csv = new StringBuilder();
        store.exportCsv(csv);
        Instant t0 = Instant.parse("2026-04-01T08:00:00.000001Z");
        assertThat(csv.toString())
                .isEqualTo("email,source,captured_at\r\n"
                        + address("plain") + ",\"landing, hero\"," + t0 + "\r\n"
                        + "'=cmd" + run + "@example.com,\"'=HYPERLINK(\"\"x\"\")\"," + t0.plusNanos(5_000) + "\r\n"
                        + address("nosource") + ",," + t0.plusNanos(10_000) + "\r\n");
    }

    @Test
    void concurrentAdds_storeEachIdentityOnce() throws Exception {
        int threads = 8;
        int addresses = 200;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        Map<String, Integer> added = new ConcurrentHashMap<>();
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                final int thread = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < addresses; i++) {
                        String address = address("c" + i);
                        String spelled = thread % 2 == 0 ? address : address.toUpperCase(java.util.Locale.ROOT);
                        if (store.add(spelled, "t" + thread) == AddResult.ADDED) {
                            added.merge(address, 1, Integer::sum);
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(added).hasSize(addresses);
        assertThat(added.values()).allMatch(n -> n == 1);
        assertThat(store.count()).isEqualTo(addresses);
    }
}
