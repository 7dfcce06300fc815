package dev.ratelimit.email;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class EmailAddressTest {

    @Test
    void normalises_trimAndDomain() {
        EmailAddress email = EmailAddress.parse("  Ada.Lovelace@Example.COM \n");
        assertThat(email.address()).isEqualTo("Ada.Lovelace@example.com");
        assertThat(email.identity()).isEqualTo("ada.lovelace@example.com");
        assertThat(EmailAddress.parse("ada@münchen.de").address()).isEqualTo("ada@xn--mnchen-3ya.de");
        assertThat(EmailAddress.parse("user+tag@sub.example.co.uk").address()).isEqualTo("user+tag@sub.example.co.uk");
    }

    @Test
    void refusals_nameTheReason() {
        assertThatThrownBy(() -> EmailAddress.parse("user@localhost"))
                .hasMessage("invalid email address: missing top level domain");
        assertThatThrownBy(() -> EmailAddress.parse("user@[10.0.0.1]"))
                .hasMessage("invalid email address: contains ip domain");
        assertThatThrownBy(() -> EmailAddress.parse("bad\u0007@example.com"))
                .hasMessage("invalid email address: contains a control character");
    }
}
