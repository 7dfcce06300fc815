package dev.ratelimit.email;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.EmailStore;
import java.net.IDN;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Two accepted inputs share an identity exactly when they are the same address under the documented
 * normalisation: local part in NFC with ASCII letters lower-cased (nothing else folded), domain in
 * lower-case A-label form. The expected form is computed here with the JDK (java.text.Normalizer,
 * and java.net.IDN for domains on which IDNA 2003 and IDNA 2008 agree), not with the code under test.
 */
class EmailIdentityTest {

    /** Domains whose characters IDNA 2003 and IDNA 2008 (nontransitional) treat alike: no ß, ς, joiners. */
    private static final List<String> DOMAINS = List.of(
            "example.com",
            "mail.example.co.uk",
            "m\u00fcnchen.de",
            "b\u00fccher.example",
            "ex\u00e4mple.org",
            "\u03c0\u03b1\u03c1\u03ac\u03b4\u03b5\u03b9\u03b3\u03bc\u03b1.gr",
            "\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444",
            "\u65e5\u672c\u8a9e.jp",
            "caf\u00e9.fr");

    /**
     * Non-ASCII letters, NFKC-stable: first lower/upper-case pairs (index i and i ^ 1), then letters
     * without a partner here.
     */
    private static final List<String> LETTERS = List.of(
            "\u00fc", "\u00dc", "\u00e9", "\u00c9", "\u00f1", "\u00d1", "\u00e5", "\u00c5", "\u03c3", "\u03a3",
            "\u03b1", "\u0391", "\u03ac", "\u0386", "\u0434", "\u0414", "\u0436", "\u0416", "\u00df", "\u1e9e",
            "\u1ec7", "\u1ec6", "\u03c2", "\u0131", "\u0130", "\u65e5", "\u672c");

    private static final int PAIRED = 22;

    private final Random random = new Random(42);

    private static String expectedIdentity(String input) {
        String trimmed = input.strip();
        int at = trimmed.lastIndexOf('@');
        return lowerAscii(Normalizer.normalize(trimmed.substring(0, at), Normalizer.Form.NFC)) + "@"
                + IDN.toASCII(trimmed.substring(at + 1), IDN.USE_STD3_ASCII_RULES)
                        .toLowerCase(Locale.ROOT);
    }

    private static String lowerAscii(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            out.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
        }
        return out.toString();
    }

    private String token() {
        if (random.nextInt(3) == 0) {
            return LETTERS.get(random.nextInt(LETTERS.size()));
        }
        String ascii = "abcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder s = new StringBuilder();
        for (int i = 1 + random.nextInt(5); i > 0; i--) {
            s.append(ascii.charAt(random.nextInt(ascii.length())));
        }
        return s.toString();
    }

    private String localPart() {
        StringBuilder s = new StringBuilder(token());
        for (int i = random.nextInt(4); i > 0; i--) {
            s.append(List.of(".", "", "+", "-", "_").get(random.nextInt(5))).append(token());
        }
        return s.toString();
    }

    private String flipAsciiCase(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean flip = random.nextBoolean();
            if (flip && c >= 'a' && c <= 'z') {
                out.append((char) (c - 32));
            } else if (flip && c >= 'A' && c <= 'Z') {
                out.append((char) (c + 32));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** Swaps each cased non-ASCII letter of the pool for its other case: a different address. */
    private static String flipNonAsciiCase(String s) {
        StringBuilder out = new StringBuilder();
        for (int at = 0; at < s.length(); at++) {
            char c = s.charAt(at);
            int i = LETTERS.indexOf(String.valueOf(c));
            boolean paired = i >= 0 && i < PAIRED;
            out.append(paired ? LETTERS.get(i ^ 1) : String.valueOf(c));
        }
        return out.toString();
    }

    private String domainSpelling(String domain) {
        return switch (random.nextInt(4)) {
            case 0 -> domain;
            case 1 -> flipAsciiCase(IDN.toASCII(domain));
            case 2 -> domain.toUpperCase(Locale.ROOT);
            default -> flipAsciiCase(domain);
        };
    }

    private List<String> spellings() {
        List<String> inputs = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            String local = localPart();
            String domain = DOMAINS.get(random.nextInt(DOMAINS.size()));
            inputs.add(local + "@" + domainSpelling(domain));
            inputs.add(flipAsciiCase(local) + "@" + domainSpelling(domain));
            inputs.add(Normalizer.normalize(local, Normalizer.Form.NFD) + "@" + domainSpelling(domain));
            inputs.add(flipAsciiCase(Normalizer.normalize(local, Normalizer.Form.NFD)) + "@" + domainSpelling(domain));
            inputs.add(flipNonAsciiCase(local) + "@" + domainSpelling(domain));
            inputs.add(" " + local + "@" + domainSpelling(DOMAINS.get(random.nextInt(DOMAINS.size()))) + "\n");
        }
        return inputs;
    }

    @Test
    void identity_isTheDocumentedNormalisation() {
        for (String input : spellings()) {
            EmailAddress email = EmailAddress.parse(input);
            assertThat(email.identity()).as(input).isEqualTo(expectedIdentity(input));
            assertThat(lowerAscii(email.address())).as(input).isEqualTo(email.identity());
            String local = input.strip().substring(0, input.strip().lastIndexOf('@'));
            assertThat(email.address()).as(input).startsWith(Normalizer.normalize(local, Normalizer.Form.NFC) + "@");
        }
    }

    @Test
    void twoInputsShareAnIdentity_exactlyWhenTheirNormalisationsAreEqual() {
        List<String> inputs = spellings();
        List<String> identities =
                inputs.stream().map(a -> EmailAddress.parse(a).identity()).toList();
        List<String> expected =
                inputs.stream().map(EmailIdentityTest::expectedIdentity).toList();
        int sameAddressDifferentSpelling = 0;
        int differentAddressSameUpperCasedForm = 0;
        for (int i = 0; i < inputs.size(); i++) {
            for (int j = i + 1; j < inputs.size(); j++) {
                boolean same = identities.get(i).equals(identities.get(j));
                if (same != expected.get(i).equals(expected.get(j))) {
                    assertThat(same)
                            .as("%s vs %s", inputs.get(i), inputs.get(j))
                            .isEqualTo(expected.get(i).equals(expected.get(j)));
                }
                if (same && !inputs.get(i).equals(inputs.get(j))) {
                    sameAddressDifferentSpelling++;
                }
                if (!same
                        && inputs.get(i)
                                .toUpperCase(Locale.ROOT)
                                .equals(inputs.get(j).toUpperCase(Locale.ROOT))) {
                    differentAddressSameUpperCasedForm++;
                }
            }
        }
        assertThat(sameAddressDifferentSpelling).as("spellings of one address").isGreaterThan(200);
        assertThat(differentAddressSameUpperCasedForm)
                .as("addresses told apart only by non-ASCII case")
                .isGreaterThan(20);
    }

    @Test
    void store_addsEachNormalisedAddressOnce() {
        EmailStore store = EmailStore.inMemory();
        Set<String> seen = new HashSet<>();
        Map<AddResult, Integer> results = new HashMap<>();
        for (String input : spellings()) {
            AddResult result = store.add(input);
            assertThat(result)
                    .as(input)
                    .isEqualTo(seen.add(expectedIdentity(input)) ? AddResult.ADDED : AddResult.ALREADY_PRESENT);
            results.merge(result, 1, Integer::sum);
        }
        assertThat(store.count()).isEqualTo(seen.size());
        assertThat(results.get(AddResult.ALREADY_PRESENT)).isPositive();
    }
}
