package dev.ratelimit.email;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.EmailStore;
import org.junit.jupiter.api.Test;

class EmailAddressTest {

    private static void assertRefused(String input, String reason) {
        EmailStore store = EmailStore.inMemory();
        assertThatThrownBy(() -> store.add(input))
                .isInstanceOf(InvalidEmailException.class)
                .hasMessage("invalid email address: " + reason);
        assertThat(store.count()).isZero();
    }

    @Test
    void normalises_trimAndDomain() {
        EmailAddress email = EmailAddress.parse("  Ada.Lovelace@Example.COM \n");
        assertThat(email.address()).isEqualTo("Ada.Lovelace@example.com");
        assertThat(email.identity()).isEqualTo("ada.lovelace@example.com");
        assertThat(EmailAddress.parse("ada@münchen.de").address()).isEqualTo("ada@xn--mnchen-3ya.de");
        assertThat(EmailAddress.parse("ada@MÜNCHEN.DE").address()).isEqualTo("ada@xn--mnchen-3ya.de");
        assertThat(EmailAddress.parse("ada@XN--MNCHEN-3YA.de").address()).isEqualTo("ada@xn--mnchen-3ya.de");
        assertThat(EmailAddress.parse("user+tag@sub.example.co.uk").address()).isEqualTo("user+tag@sub.example.co.uk");
    }

    @Test
    void refusals_nameTheReason() {
        assertRefused("user@localhost", "missing top level domain");
        assertRefused("user@[10.0.0.1]", "contains ip domain");
        assertRefused("bad\u0007@example.com", "contains a control character");
        assertRefused("(note)user@example.com", "contains a comment");
    }

    @Test
    void emptyInput_saysNoAddressGiven() {
        assertThatThrownBy(() -> EmailAddress.parse(null)).hasMessage("invalid email address: no address given");
        assertRefused("", "no address given (empty)");
        assertRefused(" \t ", "no address given (empty)");
    }

    @Test
    void angleBrackets_refused() {
        assertRefused("<a@x.io>", "contains angle brackets or a display name");
        assertRefused("<a@münchen.de>", "contains angle brackets or a display name");
        assertRefused("a@x.io>", "contains angle brackets or a display name");
    }

    @Test
    void displayName_refused() {
        assertRefused("Ann <a@x.io>", "contains angle brackets or a display name");
        assertRefused("Ann<a@x.io>", "contains angle brackets or a display name");
        assertRefused("\"Ann Lee\" <a@x.io>", "contains angle brackets or a display name");
    }

    @Test
    void loneSurrogate_refused() {
        EmailStore store = EmailStore.inMemory();
        assertThat(store.add("?@x.com")).isEqualTo(AddResult.ADDED);
        assertThatThrownBy(() -> store.add("\ud800@x.com"))
                .hasMessage("invalid email address: contains an unpaired surrogate");
        assertThatThrownBy(() -> store.add("a\udc00@x.com"))
                .hasMessage("invalid email address: contains an unpaired surrogate");
        assertThatThrownBy(() -> store.add("a@x\udbff.com"))
                .hasMessage("invalid email address: contains an unpaired surrogate");
        assertThatThrownBy(() -> store.add("\udc00\ud800@x.com"))
                .hasMessage("invalid email address: contains an unpaired surrogate");
        assertThat(store.count()).isEqualTo(1);
        String pair = new String(Character.toChars(0x20000));
        assertThat(store.add(pair + "@x.com"))
                .as("a paired surrogate is a character")
                .isEqualTo(AddResult.ADDED);
        assertThat(store.contains("?@x.com")).isTrue();
        assertThat(store.count()).isEqualTo(2);
    }

    @Test
    void invalidALabel_refused() {
        assertRefused("a@xn-----example.com", "domain has an invalid A-label (xn--)");
        assertRefused("a@xn--a.com", "domain has an invalid A-label (xn--)");
        assertRefused("a@" + Punycode.aLabel("u\u0308ber") + ".com", "domain has an invalid A-label (xn--)");
        assertRefused("a@" + Punycode.aLabel("Über") + ".com", "domain has an invalid A-label (xn--)");
    }

    @Test
    void idna2008DisallowedSymbol_refusedAlthoughUts46KeepsIt() {
        assertRefused("a@xn--ls8h.la", "domain contains a character IDNA 2008 disallows");
        assertRefused("a@\ud83d\udca9.la", "domain contains a character IDNA 2008 disallows");
        assertRefused(
                "a@" + Punycode.aLabel("\u0628\u0640\u0628") + ".com",
                "domain contains a character IDNA 2008 disallows");
    }

    @Test
    void invalidULabel_refused() {
        assertRefused("a@a\u05d0.com", "domain breaks the IDNA 2008 bidi rule");
        assertRefused("a@\u0300a.com", "domain label starts with a combining mark");
        assertRefused("a@x\u00b7.com", "domain breaks an IDNA 2008 contextual rule");
    }

    @Test
    void kelvinSign_isNotKate() {
        EmailStore store = EmailStore.inMemory();
        assertRefused(
                "\u212aate@example.com",
                "local part contains a compatibility character, such as a fullwidth letter or the Kelvin sign");
        assertThat(store.add("kate@example.com")).isEqualTo(AddResult.ADDED);
        assertThatThrownBy(() -> store.contains("\u212aate@example.com")).isInstanceOf(InvalidEmailException.class);
        assertThat(store.count()).isEqualTo(1);
    }

    @Test
    void compatibilityCharacters_refusedInLocalPart() {
        for (String local : new String[] {
            "\uff4bate", "\ufb01sh", "x\u00b2", "\u017Fam", "\u2126m", "\u212bngstr\u00f6m", "a\u037eb"
        }) {
            assertRefused(
                    local + "@example.com",
                    "local part contains a compatibility character, such as a fullwidth letter or the Kelvin sign");
        }
    }

    @Test
    void canonicalEquivalents_shareIdentity_storedInNfc() {
        EmailStore store = EmailStore.inMemory();
        assertThat(store.add("u\u0308ber@x.de")).isEqualTo(AddResult.ADDED);
        assertThat(store.add("\u00fcber@x.de")).isEqualTo(AddResult.ALREADY_PRESENT);
        assertThat(store.page(null, 1).records().get(0).address()).isEqualTo("\u00fcber@x.de");
        assertThat(EmailAddress.parse("\u0958@x.in").address()).isEqualTo("\u0915\u093c@x.in");
    }

    @Test
    void nonAsciiCase_isNotFolded() {
        EmailStore store = EmailStore.inMemory();
        assertThat(store.add("\u00dclla@x.de")).isEqualTo(AddResult.ADDED);
        assertThat(store.add("\u00fclla@x.de")).isEqualTo(AddResult.ADDED);
        assertThat(store.add("\u03a3\u03bf\u03c6\u03b9\u03b1@x.gr")).isEqualTo(AddResult.ADDED);
        assertThat(store.add("\u03c3\u03bf\u03c6\u03b9\u03b1@x.gr")).isEqualTo(AddResult.ADDED);
        assertThat(store.add("ULLA@x.de")).isEqualTo(AddResult.ADDED);
        assertThat(store.add("ulla@X.DE")).isEqualTo(AddResult.ALREADY_PRESENT);
        assertThat(store.count()).isEqualTo(5);
    }

    @Test
    void sharpS_isNotSs() {
        assertThat(EmailAddress.parse("a@fa\u00df.de").address()).isEqualTo("a@xn--fa-hia.de");
        assertThat(EmailAddress.parse("a@fa\u00df.de")).isNotEqualTo(EmailAddress.parse("a@fass.de"));
    }

    @Test
    void quotedLocalPart_refused() {
        assertRefused("\"ab\"@x.io", "local part is quoted");
        assertRefused("a.\"b\".c@x.io", "local part is quoted");
    }

    @Test
    void domainSpelling_isMappedAsUts46MapsIt() {
        assertThat(EmailAddress.parse("a@\uff25xample.com").address()).isEqualTo("a@example.com");
    }
}
