package dev.ratelimit.email;

import com.ibm.icu.lang.UCharacter;
import com.ibm.icu.lang.UCharacterCategory;
import com.ibm.icu.lang.UProperty;
import com.ibm.icu.text.IDNA;
import com.ibm.icu.text.Normalizer2;
import com.sanctionco.jmail.EmailValidationResult;
import com.sanctionco.jmail.EmailValidator;
import com.sanctionco.jmail.JMail;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A validated, normalised email address: what every {@link dev.ratelimit.EmailStore} stores.
 *
 * <p>Only a plain mailbox, {@code local@domain}, is accepted. Refused: angle brackets and display
 * names ({@code <a@x.io>}, {@code Ann <a@x.io>}); whitespace, control and format characters and
 * unpaired surrogates anywhere; quoted local parts, comments, explicit source routes and
 * IP-literal domains; a domain without a top-level domain; more than 254 characters. The rest of
 * the syntax is jmail's strict validation.
 *
 * <p>The domain is processed as UTS #46 nontransitional processing does (ICU, with the IDNA 2008
 * bidi, CONTEXTJ and CONTEXTO rules and STD3 ASCII rules): it is mapped as browsers map what
 * people type (upper case, fullwidth forms), each label must be a valid IDNA 2008 label and each
 * A-label ({@code xn--}) must decode to one, and it is stored in lower-case A-label form. On top of
 * UTS #46, which keeps some symbols valid that IDNA 2008 disallows (emoji, for one), every
 * character of the decoded domain must be one that RFC 5892 derives as PVALID, CONTEXTJ or
 * CONTEXTO. Two spellings of the domain are the same domain exactly when they have the same
 * A-label form, which is the name DNS looks up.
 *
 * <p>The local part, which only the receiving server interprets, is never mapped. It is stored in
 * Unicode NFC, so canonically equivalent spellings (a precomposed {@code ü} or {@code u} with a
 * combining diaeresis) are the same address. A local part holding a compatibility character is
 * refused: one that NFKC would change (fullwidth forms, ligatures, superscripts, {@code ſ}) or
 * that NFC itself replaces by a different character (canonical singletons: the Kelvin sign, which
 * would otherwise become {@code K}, the Ohm and Angstrom signs, the Greek question mark). So is a
 * code point unassigned in the Unicode version of the ICU in use, whose normalisation is not yet
 * defined.
 *
 * <p>The {@link #identity()} that decides whether two addresses are the same subscriber is the
 * stored address with the ASCII letters {@code A}–{@code Z} lower-cased; no other case folding is
 * done, so {@code Ü} and {@code ü}, or {@code Σ} and {@code σ}, stay different. Two accepted
 * inputs share an identity exactly when their stored forms are equal once ASCII letters are
 * lower-cased.
 *
 * <p>Instances are immutable and {@link #parse} is thread-safe.
 */
public final class EmailAddress {

    /** The longest address accepted, in characters of its stored form (RFC 5321's path limit). */
    public static final int MAX_LENGTH = 254;

    private static final EmailValidator VALIDATOR = JMail.strictValidator()
            .requireTopLevelDomain()
            .disallowIpDomain()
            .disallowExplicitSourceRouting()
            .disallowObsoleteWhitespace()
            .withRule(email -> email.localPart().indexOf('"') < 0, "local part is quoted")
            .withRule(email -> email.comments().isEmpty(), "contains a comment");

    private static final IDNA UTS46 = IDNA.getUTS46Instance(IDNA.NONTRANSITIONAL_TO_ASCII
            | IDNA.NONTRANSITIONAL_TO_UNICODE
            | IDNA.CHECK_BIDI
            | IDNA.CHECK_CONTEXTJ
            | IDNA.CHECK_CONTEXTO
            | IDNA.USE_STD3_RULES);
    private static final Normalizer2 NFC = Normalizer2.getNFCInstance();
    private static final Normalizer2 NFKC = Normalizer2.getNFKCInstance();
    private static final Normalizer2 NFKC_CASEFOLD = Normalizer2.getNFKCCasefoldInstance();

    private static final String COMPATIBILITY =
            "local part contains a compatibility character, such as a fullwidth letter or the Kelvin sign";
    private static final String DISALLOWED_IN_DOMAIN = "domain contains a character IDNA 2008 disallows";

    private final String address;
    private final String identity;

    private EmailAddress(String address) {
        this.address = address;
        this.identity = lowerAscii(address);
    }

    /**
     * Validates and normalises {@code input}.
     *
     * @param input the address as typed; surrounding whitespace is stripped, {@code null} is
     *     refused
     * @return the address in its stored form, with its identity
     * @throws InvalidEmailException naming the rule it breaks, without echoing the input
     */
    public static EmailAddress parse(@Nullable String input) {
        if (input == null) {
            throw new InvalidEmailException("no address given");
        }
        if (input.length() > 4 * MAX_LENGTH) {
            throw tooLong();
        }
        String trimmed = input.strip();
        if (trimmed.isEmpty()) {
            throw new InvalidEmailException("no address given (empty)");
        }
        if (trimmed.indexOf('<') >= 0 || trimmed.indexOf('>') >= 0) {
            throw new InvalidEmailException("contains angle brackets or a display name");
        }
        checkCharacters(trimmed);
        int at = trimmed.lastIndexOf('@');
        if (at < 0) {
            throw new InvalidEmailException("missing @ symbol");
        }
        String local = normaliseLocalPart(trimmed.substring(0, at));
        String domain = trimmed.substring(at + 1);
        StringBuilder ascii = new StringBuilder();
        String domainError = toAscii(domain, ascii);
        // jmail checks a non-ASCII domain with java.net.IDN (IDNA 2003), so IDNA 2008's reason is
        // the one to report for it. An ASCII domain that IDNA refuses goes to jmail as typed, so that
        // jmail's own reason (an IP literal, a comment, a trailing dot) is reported when it has one.
        if (domainError != null && !domain.chars().allMatch(c -> c < 0x80)) {
            throw new InvalidEmailException(domainError);
        }
        String normalised = local + "@" + (domainError == null ? ascii : domain);
        if (normalised.length() > MAX_LENGTH) {
            throw tooLong();
        }
        EmailValidationResult result = VALIDATOR.validate(normalised);
        if (!result.isSuccess()) {
            throw new InvalidEmailException(result.getFailureReason()
                    .toString()
                    .toLowerCase(Locale.ROOT)
                    .replace('_', ' '));
        }
        if (domainError != null) {
            throw new InvalidEmailException(domainError);
        }
        return new EmailAddress(normalised);
    }

    private static InvalidEmailException tooLong() {
        return new InvalidEmailException("longer than " + MAX_LENGTH + " characters");
    }

    private static void checkCharacters(String s) {
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            int type = UCharacter.getType(c);
            if (type == UCharacterCategory.SURROGATE) {
                throw new InvalidEmailException("contains an unpaired surrogate");
            }
            if (type == UCharacterCategory.CONTROL || type == UCharacterCategory.FORMAT) {
                throw new InvalidEmailException("contains a control character");
            }
            if (UCharacter.isUWhiteSpace(c)) {
                throw new InvalidEmailException("contains whitespace");
            }
            i += Character.charCount(c);
        }
    }

    private static String normaliseLocalPart(String local) {
        for (int i = 0; i < local.length(); ) {
            int c = local.codePointAt(i);
            if (UCharacter.getType(c) == UCharacterCategory.UNASSIGNED) {
                throw new InvalidEmailException("local part contains an unassigned Unicode code point");
            }
            String decomposition = NFC.getRawDecomposition(c);
            if (decomposition != null && decomposition.codePointCount(0, decomposition.length()) == 1) {
                throw new InvalidEmailException(COMPATIBILITY);
            }
            i += Character.charCount(c);
        }
        String nfc = NFC.normalize(local);
        if (!NFKC.isNormalized(nfc)) {
            throw new InvalidEmailException(COMPATIBILITY);
        }
        return nfc;
    }

    /** Appends the lower-case A-label form of {@code domain} to {@code ascii}; returns why not, or null. */
    private static @Nullable String toAscii(String domain, StringBuilder ascii) {
        IDNA.Info info = new IDNA.Info();
        UTS46.nameToASCII(domain, ascii, info);
        if (info.hasErrors()) {
            return idnaReason(info.getErrors());
        }
        StringBuilder unicode = new StringBuilder();
        IDNA.Info decoded = new IDNA.Info();
        UTS46.nameToUnicode(ascii, unicode, decoded);
        if (decoded.hasErrors() || unicode.codePoints().anyMatch(EmailAddress::disallowedByRfc5892)) {
            return DISALLOWED_IN_DOMAIN;
        }
        return null;
    }

    private static String idnaReason(Set<IDNA.Error> errors) {
        if (errors.contains(IDNA.Error.PUNYCODE) || errors.contains(IDNA.Error.INVALID_ACE_LABEL)) {
            return "domain has an invalid A-label (xn--)";
        }
        if (errors.contains(IDNA.Error.BIDI)) {
            return "domain breaks the IDNA 2008 bidi rule";
        }
        if (errors.contains(IDNA.Error.CONTEXTJ)
                || errors.contains(IDNA.Error.CONTEXTO_DIGITS)
                || errors.contains(IDNA.Error.CONTEXTO_PUNCTUATION)) {
            return "domain breaks an IDNA 2008 contextual rule";
        }
        if (errors.contains(IDNA.Error.LABEL_TOO_LONG) || errors.contains(IDNA.Error.DOMAIN_NAME_TOO_LONG)) {
            return "domain or one of its labels is too long";
        }
        if (errors.contains(IDNA.Error.EMPTY_LABEL)) {
            return "domain has an empty label";
        }
        if (errors.contains(IDNA.Error.LEADING_HYPHEN)
                || errors.contains(IDNA.Error.TRAILING_HYPHEN)
                || errors.contains(IDNA.Error.HYPHEN_3_4)) {
            return "domain label has a hyphen at its start, at its end or in positions 3 and 4";
        }
        if (errors.contains(IDNA.Error.LEADING_COMBINING_MARK)) {
            return "domain label starts with a combining mark";
        }
        return DISALLOWED_IN_DOMAIN;
    }

    /**
     * RFC 5892's derivation of a code point's IDNA 2008 property (section 3), true for DISALLOWED
     * and UNASSIGNED. ASCII is left to UTS #46's STD3 rules.
     */
    private static boolean disallowedByRfc5892(int c) {
        if (c < 0x80) {
            return false;
        }
        @Nullable
        Boolean exception = switch (c) {
            // Exceptions (section 2.6): PVALID or CONTEXTO whatever their category ...
            case 0x00DF, 0x03C2, 0x06FD, 0x06FE, 0x0F0B, 0x3007, 0x00B7, 0x0375, 0x05F3, 0x05F4, 0x30FB -> false;
            // ... and DISALLOWED although they are letters or marks.
            case 0x0640, 0x07FA, 0x302E, 0x302F, 0x3031, 0x3032, 0x3033, 0x3034, 0x3035, 0x303B -> true;
            // JoinControl: CONTEXTJ, which UTS46 checks.
            case 0x200C, 0x200D -> false;
            default -> null;
        };
        if (exception != null) {
            return exception;
        }
        int type = UCharacter.getType(c);
        if (type == UCharacterCategory.UNASSIGNED
                || !NFKC_CASEFOLD.isNormalized(Character.toString(c))
                || UCharacter.hasBinaryProperty(c, UProperty.DEFAULT_IGNORABLE_CODE_POINT)
                || UCharacter.hasBinaryProperty(c, UProperty.WHITE_SPACE)
                || UCharacter.hasBinaryProperty(c, UProperty.NONCHARACTER_CODE_POINT)) {
            return true;
        }
        if ((c >= 0x20D0 && c <= 0x20FF) || (c >= 0x1D100 && c <= 0x1D24F)) {
            return true;
        }
        int hangul = UCharacter.getIntPropertyValue(c, UProperty.HANGUL_SYLLABLE_TYPE);
        if (hangul == UCharacter.HangulSyllableType.LEADING_JAMO
                || hangul == UCharacter.HangulSyllableType.VOWEL_JAMO
                || hangul == UCharacter.HangulSyllableType.TRAILING_JAMO) {
            return true;
        }
        return switch (type) {
            case UCharacterCategory.LOWERCASE_LETTER,
                    UCharacterCategory.UPPERCASE_LETTER,
                    UCharacterCategory.OTHER_LETTER,
                    UCharacterCategory.MODIFIER_LETTER,
                    UCharacterCategory.DECIMAL_DIGIT_NUMBER,
                    UCharacterCategory.NON_SPACING_MARK,
                    UCharacterCategory.COMBINING_SPACING_MARK -> false;
            default -> true;
        };
    }

    private static String lowerAscii(String s) {
        char[] chars = s.toCharArray();
        for (int i = 0; i < chars.length; i++) {
            if (chars[i] >= 'A' && chars[i] <= 'Z') {
                chars[i] = (char) (chars[i] + ('a' - 'A'));
            }
        }
        return new String(chars);
    }

    /**
     * {@return the stored address} That is the local part as given, trimmed, in NFC, then {@code @}
     * and the domain in lower-case A-label form.
     */
    public String address() {
        return address;
    }

    /**
     * {@return the address with ASCII letters lower-cased (and nothing else folded)} Two addresses
     * with the same identity are the same subscriber.
     */
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
