package dev.ratelimit.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Who the client is: the peer, unless the peer is a trusted proxy; then the one configured
 * forwarding header ({@code X-Forwarded-For} or RFC 7239 {@code Forwarded}) is read right to left,
 * and the first address that is not a trusted proxy is the client. The other header is never read:
 * most proxies pass the header they do not write through untouched, so it says whatever the client
 * wrote.
 *
 * <p>An entry that names no address ({@code unknown}, an obfuscated {@code _name}, garbage, a
 * {@code Forwarded} element without a readable {@code for}) stops the walk: the last trusted
 * address decides, the peer's when it is the first entry read. A client can only write left of
 * what the trusted proxies append, so what it forges is read only when its own address is trusted.
 */
final class ClientIp {

    private final List<Cidr> trustedProxies;
    private final ForwardedHeader header;

    ClientIp(List<Cidr> trustedProxies, ForwardedHeader header) {
        this.trustedProxies = List.copyOf(trustedProxies);
        this.header = header;
    }

    /**
     * The client behind {@code peer}, given the lines of the configured header in the order
     * received.
     */
    byte @Nullable [] resolve(byte @Nullable [] peer, List<String> lines) {
        if (!trusted(peer)) {
            return peer;
        }
        byte @Nullable [] client = peer;
        for (@Nullable String hop : header == ForwardedHeader.FORWARDED ? forwardedFor(lines) : xForwardedFor(lines)) {
            byte @Nullable [] address =
                    hop == null ? null : header == ForwardedHeader.FORWARDED ? node(hop) : IpAddress.parse(hop);
            if (address == null) {
                return client;
            }
            client = address;
            if (!trusted(address)) {
                return address;
            }
        }
        return client;
    }

    boolean trusted(byte @Nullable [] address) {
        return address != null && !trustedProxies.isEmpty() && Cidr.anyContains(trustedProxies, address);
    }

    /** The entries of {@code X-Forwarded-For}, rightmost first; empty list elements are skipped. */
    static List<String> xForwardedFor(List<String> lines) {
        List<String> hops = new ArrayList<>();
        for (int l = lines.size() - 1; l >= 0; l--) {
            String[] entries = lines.get(l).split(",", -1);
            for (int i = entries.length - 1; i >= 0; i--) {
                String entry = entries[i].strip();
                if (!entry.isEmpty()) {
                    hops.add(entry);
                }
            }
        }
        return hops;
    }

    /**
     * The {@code for} values of the {@code Forwarded} elements, rightmost first and unquoted. An
     * element that is malformed or has no {@code for} ends the list with a null: nothing left of it
     * is read.
     *
     * <p>Elements are delimited from the right, so that an unbalanced quote a client put in its own
     * element cannot swallow the elements the proxies appended after it.
     */
    static List<@Nullable String> forwardedFor(List<String> lines) {
        List<@Nullable String> hops = new ArrayList<>();
        for (int l = lines.size() - 1; l >= 0; l--) {
            String line = lines.get(l);
            int end = line.length();
            boolean quoted = false;
            for (int i = end - 1; i >= -1; i--) {
                if (i >= 0 && line.charAt(i) == '"' && !escaped(line, i)) {
                    quoted = !quoted;
                } else if (i < 0 || (line.charAt(i) == ',' && !quoted)) {
                    String element = line.substring(i + 1, end);
                    end = i;
                    if (element.isBlank() && !quoted) {
                        continue;
                    }
                    @Nullable String value = quoted ? null : forParameter(element);
                    hops.add(value);
                    if (value == null) {
                        return hops;
                    }
                }
            }
        }
        return hops;
    }

    /** Whether the character at {@code at} follows an odd number of backslashes (a quoted-pair). */
    private static boolean escaped(String s, int at) {
        int backslashes = 0;
        for (int i = at - 1; i >= 0 && s.charAt(i) == '\\'; i--) {
            backslashes++;
        }
        return backslashes % 2 == 1;
    }

    /**
     * The unquoted {@code for} value of one element ({@code pair *( ";" pair )}, names in any
     * case), or null if the element is malformed, names a parameter twice, or has no {@code for}.
     */
    private static @Nullable String forParameter(String element) {
        List<String> names = new ArrayList<>(4);
        @Nullable String result = null;
        int i = 0;
        int n = element.length();
        while (i < n) {
            i = skipWhitespace(element, i);
            if (i < n && element.charAt(i) == ';') {
                i++;
                continue;
            }
            if (i == n) {
                break;
            }
            int nameStart = i;
            while (i < n && isTokenChar(element.charAt(i))) {
                i++;
            }
            if (i == nameStart || i == n || element.charAt(i) != '=') {
                return null;
            }
            String name = element.substring(nameStart, i).toLowerCase(Locale.ROOT);
            if (names.contains(name)) {
                return null;
            }
            names.add(name);
            i++;
            String value;
            if (i < n && element.charAt(i) == '"') {
                StringBuilder unquoted = new StringBuilder();
                i++;
                while (i < n && element.charAt(i) != '"') {
                    if (element.charAt(i) == '\\' && i + 1 < n) {
                        i++;
                    }
                    unquoted.append(element.charAt(i++));
                }
                if (i == n) {
                    return null;
                }
                i++;
                value = unquoted.toString();
            } else {
                // A token by the RFC; a bracketed IPv6 address or an address with a port belongs in
                // quotes, but a value written without them is still unambiguous here.
                int valueStart = i;
                while (i < n
                        && element.charAt(i) != ';'
                        && element.charAt(i) != '"'
                        && !isWhitespace(element.charAt(i))) {
                    i++;
                }
                value = element.substring(valueStart, i);
            }
            i = skipWhitespace(element, i);
            if (i < n && element.charAt(i) != ';') {
                return null;
            }
            if (name.equals("for")) {
                result = value;
            }
        }
        return result;
    }

    private static int skipWhitespace(String s, int i) {
        while (i < s.length() && isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    private static boolean isWhitespace(char c) {
        return c == ' ' || c == '\t';
    }

    private static boolean isTokenChar(char c) {
        return isAlphaNumeric(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    private static boolean isAlphaNumeric(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    /**
     * The address of a node ({@code 192.0.2.43}, {@code 192.0.2.43:47011}, {@code [2001:db8::1]:4711},
     * a port written as an obfuscated {@code _name}), or null for {@code unknown}, an obfuscated
     * identifier or anything else that is not an IP literal.
     */
    static byte @Nullable [] node(String text) {
        String s = text.strip();
        int colon = s.lastIndexOf(':');
        boolean hostThenPort = s.startsWith("[") ? colon > s.indexOf(']') : colon >= 0 && colon == s.indexOf(':');
        if (hostThenPort && colon + 1 < s.length() && s.charAt(colon + 1) == '_') {
            if (colon + 2 == s.length()) {
                return null;
            }
            for (int i = colon + 2; i < s.length(); i++) {
                char c = s.charAt(i);
                if (!isAlphaNumeric(c) && c != '.' && c != '_' && c != '-') {
                    return null;
                }
            }
            s = s.substring(0, colon);
        }
        return IpAddress.parse(s);
    }
}
