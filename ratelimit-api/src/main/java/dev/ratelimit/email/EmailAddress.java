package dev.ratelimit.email;

import com.sanctionco.jmail.EmailValidationResult;
import com.sanctionco.jmail.EmailValidator;
import com.sanctionco.jmail.JMail;
import java.net.IDN;
import java.util.Locale;

/**
 * A validated, normalised email address: what every {@link dev.ratelimit.EmailStore} stores.
 *
 * <p>Validation is jmail's, strict: a top-level domain is required; IP-literal domains, quoted
 * display names, comments, explicit source routes and obsolete whitespace are refused; on top of it
 * no whitespace or control character anywhere and at most 254 characters. Normalisation trims
 * surrounding whitespace and converts the domain to lower-case ASCII (IDNA); the {@link #identity()}
 * that decides whether two addresses are the same is the whole address lower-cased.
 */
public final class EmailAddress {

    /** The longest address accepted, in characters of its ASCII-domain form (RFC 5321's path limit). */
    public static final int MAX_LENGTH = 254;

    private static final EmailValidator VALIDATOR = JMail.strictValidator()
            .requireTopLevelDomain()
            .disallowIpDomain()
            .disallowExplicitSourceRouting()
            .disallowQuotedIdentifiers()
            .disallowObsoleteWhitespace()
            .withRule(email -> email.comments().isEmpty(), "contains a comment");

    private final String address;
    private final String identity;

    private EmailAddress(String address) {
        this.address = address;
        this.identity = address.toLowerCase(Locale.ROOT);
    }

    /**
     * Validates and normalises {@code input}.
     *
     * @throws InvalidEmailException naming the reason, without echoing the input
     */
    public static EmailAddress parse(String input) {
        if (input == null) {
            throw new InvalidEmailException("no address given");
        }
        if (input.length() > 4 * MAX_LENGTH) {
            throw new InvalidEmailException("longer than " + MAX_LENGTH + " characters");
        }
        String trimmed = input.strip();
        if (trimmed.isEmpty()) {
            throw new InvalidEmailException("empty");
        }
        for (int i = 0; i < trimmed.length(); i++) {
            char c = trimmed.charAt(i);
            if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT) {
                throw new InvalidEmailException("contains a control character");
            }
            if (Character.isWhitespace(c) || Character.isSpaceChar(c)) {
                throw new InvalidEmailException("contains whitespace");
            }
        }
        int at = trimmed.lastIndexOf('@');
        if (at < 0) {
            throw new InvalidEmailException("missing @ symbol");
        }
        String domain = trimmed.substring(at + 1);
        if (!domain.chars().allMatch(c -> c < 0x80)) {
            try {
                domain = IDN.toASCII(domain, IDN.USE_STD3_ASCII_RULES);
            } catch (IllegalArgumentException e) {
                throw new InvalidEmailException("domain is not a valid internationalised domain name");
            }
        }
        domain = domain.toLowerCase(Locale.ROOT);
        String normalised = trimmed.substring(0, at + 1) + domain;
        if (normalised.length() > MAX_LENGTH) {
            throw new InvalidEmailException("longer than " + MAX_LENGTH + " characters");
        }
        EmailValidationResult result = VALIDATOR.validate(normalised);
        if (!result.isSuccess()) {
            throw new InvalidEmailException(
                    result.getFailureReason().toString().toLowerCase(Locale.ROOT).replace('_', ' '));
        }
        return new EmailAddress(normalised);
    }

    /** The address as given, trimmed, with its domain in lower-case ASCII. */
    public String address() {
        return address;
    }

    /** The lower-cased address: two addresses with the same identity are the same subscriber. */
    public String identity() {
        return identity;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EmailAddress other && identity.equals(other.identity);
    }

    @Override
    public int hashCode() {
        return identity.hashCode();
    }

    @Override
    public String toString() {
        return address;
    }
}
