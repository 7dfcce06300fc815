package dev.ratelimit.email;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.EmailStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Generated malformed addresses, class by class: each is refused, nothing is stored, no message repeats its input. */
class MalformedEmailTest {

    private static final int PER_CLASS = 60;
    private static final String[] DOMAINS = {
        "example.com", "x.io", "mail.example.co.uk", "m\u00fcnchen.de", "xn--mnchen-3ya.de"
    };

    private final Random random = new Random(20240612);

    private String local() {
        String letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        StringBuilder s = new StringBuilder();
        int length = 1 + random.nextInt(12);
        for (int i = 0; i < length; i++) {
            s.append(letters.charAt(random.nextInt(letters.length())));
        }
        return s.toString();
    }

    private String domain() {
        return DOMAINS[random.nextInt(DOMAINS.length)];
    }

    private String address() {
        return local() + "@" + domain();
    }

    private <T> T pick(List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    /** Inserts strictly inside {@code s}, where trimming cannot remove it. */
    private String insertAt(String s, String inserted) {
        int at = 1 + random.nextInt(s.length() - 1);
        return s.substring(0, at) + inserted + s.substring(at);
    }

    private String insertInto(String s, int codePoint) {
        return insertAt(s, new String(Character.toChars(codePoint)));
    }

    /** Each class: a generator of inputs and a fragment every refusal's reason must contain. */
    private Map<String, Map.Entry<Supplier<String>, String>> classes() {
        Map<String, Map.Entry<Supplier<String>, String>> c = new LinkedHashMap<>();
        c.put(
                "angle brackets",
                Map.entry(
                        () -> pick(List.of(
                                "<" + address() + ">",
                                "<" + address(),
                                address() + ">",
                                local() + "@<" + domain() + ">",
                                "<" + local() + ">@" + domain(),
                                local() + "<x>@" + domain())),
                        "angle brackets"));
        c.put(
                "display names",
                Map.entry(
                        () -> pick(List.of(
                                local() + " <" + address() + ">",
                                local() + "<" + address() + ">",
                                "\"" + local() + " " + local() + "\" <" + address() + ">",
                                "=?utf-8?q?" + local() + "?= <" + address() + ">")),
                        "display name"));
        c.put(
                "high surrogates",
                Map.entry(() -> insertInto(address(), 0xD800 + random.nextInt(0x400)), "unpaired surrogate"));
        c.put(
                "low surrogates",
                Map.entry(() -> insertInto(address(), 0xDC00 + random.nextInt(0x400)), "unpaired surrogate"));
        c.put(
                "reversed surrogate pairs",
                Map.entry(
                        () -> insertAt(address(), new String(new char[] {
                            (char) (0xDC00 + random.nextInt(0x400)), (char) (0xD800 + random.nextInt(0x400))
                        })),
                        "unpaired surrogate"));
        c.put(
                "invalid punycode in A-labels",
                Map.entry(
                        () -> {
                            String word = local().toLowerCase(java.util.Locale.ROOT);
                            return local() + "@"
                                    + pick(List.of(
                                            "xn-----example.com",
                                            "xn--a.com",
                                            "xn--.com",
                                            "xn--" + word + "-.com",
                                            "xn--" + word + "-9999999999.org",
                                            "xn--" + word + "_" + word + ".de",
                                            "sub.xn--" + word + "-" + pick(List.of("\u00e9", "%", "!")) + "a.com"));
                        },
                        "domain"));
        c.put(
                "A-labels decoding to non-NFC",
                Map.entry(
                        () -> local() + "@"
                                + Punycode.aLabel(pick(List.of(
                                        "u\u0308ber",
                                        "cafe\u0301",
                                        "n\u0303o" + local().toLowerCase(java.util.Locale.ROOT),
                                        "\u1100\u1161")))
                                + "." + pick(List.of("com", "de", "org")),
                        "domain"));
        c.put(
                "A-labels with disallowed code points",
                Map.entry(
                        () -> local() + "@"
                                + Punycode.aLabel(pick(List.of(
                                        "\u00dcber",
                                        "\ud83d\ude00",
                                        "\ud83d\udca9" + random.nextInt(100),
                                        "a\u00a9b",
                                        "\u00fc_x",
                                        "\u00fc\u00a0x",
                                        "\uff41\u00fc",
                                        "\u01c5\u00fc",
                                        "\u0628\u0640\u0628",
                                        "\u1100\u00fc",
                                        "a\u20d0\u00fc",
                                        "\u00fc\u2665",
                                        "\u00fc\u200bx",
                                        "\u00fc\ufffdx")))
                                + ".com",
                        "domain"));
        c.put(
                "U-labels invalid under IDNA 2008",
                Map.entry(
                        () -> local() + "@"
                                + pick(List.of(
                                        "a\u05d0.com",
                                        "\u0300a.com",
                                        "x\u00b7.com",
                                        "\u0661\u06f1.com",
                                        "\u2665.com",
                                        "\ud83d\ude00.com",
                                        "\u00fc\u2013x.de",
                                        "a\u20d0\u00fc.de",
                                        "\u1100.kr",
                                        "\u0628\u0640\u0628.com")),
                        "domain"));
        c.put(
                "compatibility characters in the local part",
                Map.entry(
                        () -> insertInto(
                                        "x" + local(),
                                        pick(List.of(
                                                0xFF21 + random.nextInt(26),
                                                0xFF41 + random.nextInt(26),
                                                0xFB00 + random.nextInt(7),
                                                0x212A,
                                                0x2126,
                                                0x212B,
                                                0x00B2,
                                                0x00B9,
                                                0x017F,
                                                0x24D0 + random.nextInt(26),
                                                0x1D400 + random.nextInt(52),
                                                0x338F,
                                                0x037E,
                                                0x1FEF,
                                                0x2160 + random.nextInt(12))))
                                + "@" + domain(),
                        "compatibility character"));
        c.put(
                "whitespace",
                Map.entry(
                        () -> insertInto(address(), pick(List.of(0x20, 0xA0, 0x2003, 0x3000, 0x2028))), "whitespace"));
        c.put(
                "control and format characters",
                Map.entry(
                        () -> insertInto(
                                address(),
                                pick(List.of(
                                        random.nextInt(0x20),
                                        0x7F,
                                        0x80 + random.nextInt(0x20),
                                        0x200B,
                                        0x200E,
                                        0xFEFF,
                                        0x00AD,
                                        0x2060,
                                        0xE0001))),
                        "control character"));
        c.put(
                "IP-literal domains",
                Map.entry(
                        () -> local() + "@"
                                + pick(List.of(
                                        "[" + random.nextInt(256) + "." + random.nextInt(256) + ".0."
                                                + random.nextInt(256) + "]",
                                        "[IPv6:2001:db8::" + Integer.toHexString(random.nextInt(0xFFFF)) + "]")),
                        "ip"));
        c.put(
                "no top-level domain",
                Map.entry(
                        () -> local() + "@" + pick(List.of("localhost", "mailhost", "m\u00fcnchen")),
                        "top level domain"));
        c.put(
                "quoted local parts",
                Map.entry(
                        () -> "\"" + local() + pick(List.of("", ".", "@", "\\\"")) + local() + "\"@" + domain(),
                        "quoted"));
        c.put(
                "comments",
                Map.entry(
                        () -> pick(List.of(
                                "(" + local() + ")" + address(),
                                local() + "(" + local() + ")@" + domain(),
                                local() + "@(" + local() + ")" + pick(List.of("example.com", "x.io")))),
                        "comment"));
        c.put(
                "over 254 characters",
                Map.entry(
                        () -> "a".repeat(50 + random.nextInt(14)) + "@" + (local() + "b".repeat(40) + ".").repeat(5)
                                + "com",
                        "longer than 254"));
        c.put("no @", Map.entry(() -> local() + pick(List.of(".", "")) + domain(), "missing @"));
        return c;
    }

    @Test
    void generatedMalformedAddresses_areRefused_nothingStored_messagesFreeOfInput() {
        EmailStore store = EmailStore.inMemory();
        List<String> wrong = new ArrayList<>();
        int tried = 0;
        for (Map.Entry<String, Map.Entry<Supplier<String>, String>> kind :
                classes().entrySet()) {
            String fragment = kind.getValue().getValue();
            for (int i = 0; i < PER_CLASS; i++) {
                String input = kind.getValue().getKey().get();
                String description = kind.getKey() + ": " + escape(input);
                tried++;
                try {
                    EmailAddress.parse(input);
                    wrong.add(description + " was accepted by parse");
                } catch (InvalidEmailException e) {
                    if (!e.reason().contains(fragment)) {
                        wrong.add(description + " was refused for " + e.reason());
                    }
                }
                try {
                    store.add(input, "generated");
                    wrong.add(description + " was stored");
                } catch (InvalidEmailException e) {
                    String message = e.getMessage();
                    if (!message.startsWith("invalid email address: ")
                            || !message.matches("[\\x20-\\x7e]+")
                            || message.contains(input.strip())) {
                        wrong.add(description + " gave the message " + escape(message));
                    }
                }
            }
        }
        assertThat(wrong).isEmpty();
        assertThat(tried).isGreaterThanOrEqualTo(1_000);
        assertThat(store.count()).isZero();
        assertThat(store.page(null, 1000).records()).isEmpty();
    }

    @Test
    void generator_producesAddressesThatAreValidOnceTheFaultIsLeftOut() {
        EmailStore store = EmailStore.inMemory();
        for (int i = 0; i < 200; i++) {
            String input = address();
            assertThat(store.add(input)).as(input).isIn(AddResult.ADDED, AddResult.ALREADY_PRESENT);
        }
        assertThat(store.count()).isPositive();
    }

    @Test
    void punycodeHelper_matchesKnownALabels() {
        assertThat(Punycode.aLabel("m\u00fcnchen")).isEqualTo("xn--mnchen-3ya");
        assertThat(Punycode.aLabel("fa\u00df")).isEqualTo("xn--fa-hia");
        assertThat(Punycode.aLabel("\ud83d\udca9")).isEqualTo("xn--ls8h");
    }

    private static String escape(String s) {
        StringBuilder out = new StringBuilder();
        s.codePoints().forEach(c -> {
            if (c >= 0x20 && c < 0x7F) {
                out.append((char) c);
            } else {
                out.append(String.format("\\u{%X}", c));
            }
        });
        return out.toString();
    }
}
