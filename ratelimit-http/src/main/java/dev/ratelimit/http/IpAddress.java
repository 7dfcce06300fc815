package dev.ratelimit.http;

import org.jspecify.annotations.Nullable;

/**
 * Strict IP literal parsing: dotted-quad IPv4 and RFC 4291 IPv6 (with {@code ::}, an embedded IPv4
 * tail, brackets, a port and a zone id stripped). Written here rather than calling
 * {@code InetAddress.getByName}, which resolves anything that is not a literal through DNS — a
 * forged header must never cause a lookup — and accepts ambiguous IPv4 forms.
 */
final class IpAddress {

    private IpAddress() {}

    /**
     * The 4 or 16 bytes of {@code text}, or null if it is not an IP literal. An IPv4-mapped IPv6
     * address ({@code ::ffff:a.b.c.d}) comes back as its 4 IPv4 bytes.
     */
    static byte @Nullable [] parse(@Nullable String text) {
        if (text == null) {
            return null;
        }
        String s = text.strip();
        if (s.isEmpty() || s.length() > 64) {
            return null;
        }
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0 || (close + 1 < s.length() && !port(s.substring(close + 1)))) {
                return null;
            }
            s = s.substring(1, close);
        } else if (s.indexOf(':') >= 0 && s.indexOf(':') == s.lastIndexOf(':') && s.indexOf('.') > 0) {
            // a.b.c.d:port
            if (!port(s.substring(s.indexOf(':')))) {
                return null;
            }
            s = s.substring(0, s.indexOf(':'));
        }
        int zone = s.indexOf('%');
        if (zone >= 0) {
            s = s.substring(0, zone);
        }
        byte[] bytes = s.indexOf(':') >= 0 ? ipv6(s) : ipv4(s);
        if (bytes != null && bytes.length == 16 && isMappedIpv4(bytes)) {
            return new byte[] {bytes[12], bytes[13], bytes[14], bytes[15]};
        }
        return bytes;
    }

    private static boolean port(String s) {
        if (s.length() < 2 || s.length() > 6 || s.charAt(0) != ':') {
            return false;
        }
        for (int i = 1; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static byte @Nullable [] ipv4(String s) {
        byte[] out = new byte[4];
        int part = 0;
        int value = -1;
        int digits = 0;
        for (int i = 0; i <= s.length(); i++) {
            char c = i < s.length() ? s.charAt(i) : '.';
            if (c == '.') {
                if (value < 0 || part == 4) {
                    return null;
                }
                out[part++] = (byte) value;
                value = -1;
                digits = 0;
            } else if (c >= '0' && c <= '9') {
                if (digits > 0 && value == 0) {
                    return null;
                }
                value = (value < 0 ? 0 : value * 10) + (c - '0');
                if (++digits > 3 || value > 255) {
                    return null;
                }
            } else {
                return null;
            }
        }
        return part == 4 ? out : null;
    }

    private static byte @Nullable [] ipv6(String s) {
        int gap = s.indexOf("::");
        if (gap >= 0 && s.indexOf("::", gap + 1) >= 0) {
            return null;
        }
        String head = gap < 0 ? s : s.substring(0, gap);
        String tail = gap < 0 ? "" : s.substring(gap + 2);
        int[] left = groups(head);
        int[] right = groups(tail);
        if (left == null || right == null) {
            return null;
        }
        int total = left.length + right.length;
        if (gap < 0 ? total != 8 : total > 7) {
            return null;
        }
        byte[] out = new byte[16];
        for (int i = 0; i < left.length; i++) {
            out[2 * i] = (byte) (left[i] >> 8);
            out[2 * i + 1] = (byte) left[i];
        }
        for (int i = 0; i < right.length; i++) {
            int at = 8 - right.length + i;
            out[2 * at] = (byte) (right[i] >> 8);
            out[2 * at + 1] = (byte) right[i];
        }
        return out;
    }

    /** The 16-bit groups of a colon-separated run; a trailing dotted quad counts as two groups. */
    private static int @Nullable [] groups(String run) {
        if (run.isEmpty()) {
            return new int[0];
        }
        String[] parts = run.split(":", -1);
        int n = parts.length;
        boolean v4 = parts[n - 1].indexOf('.') >= 0;
        int[] out = new int[v4 ? n + 1 : n];
        for (int i = 0; i < n; i++) {
            String p = parts[i];
            if (v4 && i == n - 1) {
                byte[] quad = ipv4(p);
                if (quad == null) {
                    return null;
                }
                out[i] = ((quad[0] & 0xff) << 8) | (quad[1] & 0xff);
                out[i + 1] = ((quad[2] & 0xff) << 8) | (quad[3] & 0xff);
                continue;
            }
            if (p.isEmpty() || p.length() > 4) {
                return null;
            }
            int value = 0;
            for (int j = 0; j < p.length(); j++) {
                int digit = Character.digit(p.charAt(j), 16);
                if (digit < 0) {
                    return null;
                }
                value = value * 16 + digit;
            }
            out[i] = value;
        }
        return out;
    }

    private static boolean isMappedIpv4(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    }

    /**
     * The key form of an address: IPv4 as dotted quad; IPv6 as the network of its first
     * {@code prefix} bits, all eight groups written out, such as {@code 2001:db8:0:1:0:0:0:0/64}.
     */
    static String key(byte[] address, int ipv6Prefix) {
        if (address.length == 4) {
            return (address[0] & 0xff) + "." + (address[1] & 0xff) + "." + (address[2] & 0xff) + "."
                    + (address[3] & 0xff);
        }
        byte[] masked = address.clone();
        for (int bit = ipv6Prefix; bit < 128; bit++) {
            masked[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        StringBuilder out = new StringBuilder(40);
        for (int i = 0; i < 8; i++) {
            if (i > 0) {
                out.append(':');
            }
            out.append(Integer.toHexString(((masked[2 * i] & 0xff) << 8) | (masked[2 * i + 1] & 0xff)));
        }
        return out.append('/').append(ipv6Prefix).toString();
    }
}
