package dev.ratelimit.http;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** An IPv4 or IPv6 network, such as {@code 10.0.0.0/8} or {@code fd00::/8}; a bare address is a /32 or /128. */
final class Cidr {

    private final byte[] network;
    private final int bits;
    private final String text;

    private Cidr(byte[] network, int bits, String text) {
        this.network = network;
        this.bits = bits;
        this.text = text;
    }

    /**
     * Parses a CIDR.
     *
     * @throws IllegalArgumentException naming the text when it is not one
     */
    static Cidr parse(String text) {
        String s = text.strip();
        int slash = s.indexOf('/');
        byte[] address = IpAddress.parse(slash < 0 ? s : s.substring(0, slash));
        if (address == null) {
            throw new IllegalArgumentException("not an IP network: \"" + text + "\"; expected 10.0.0.0/8 or fd00::/8");
        }
        int max = address.length * 8;
        int bits = max;
        if (slash >= 0) {
            try {
                bits = Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                bits = -1;
            }
            if (s.substring(0, slash).contains("::ffff:") && address.length == 4) {
                bits -= 96;
            }
            if (bits < 0 || bits > max) {
                throw new IllegalArgumentException(
                        "not an IP network: \"" + text + "\"; the prefix length must be 0 to " + max);
            }
        }
        return new Cidr(address, bits, s);
    }

    /** Parses a comma- or whitespace-separated list; blank gives an empty list. */
    static List<Cidr> parseList(@Nullable String text) {
        List<Cidr> out = new ArrayList<>();
        if (text != null) {
            for (String part : text.split("[,\\s]+", -1)) {
                if (!part.isBlank()) {
                    out.add(parse(part));
                }
            }
        }
        return out;
    }

    boolean contains(byte[] address) {
        if (address.length != network.length) {
            return false;
        }
        int full = bits / 8;
        for (int i = 0; i < full; i++) {
            if (address[i] != network[i]) {
                return false;
            }
        }
        int rest = bits % 8;
        if (rest == 0) {
            return true;
        }
        int mask = 0xff << (8 - rest) & 0xff;
        return (address[full] & mask) == (network[full] & mask);
    }

    static boolean anyContains(List<Cidr> networks, byte[] address) {
        for (Cidr network : networks) {
            if (network.contains(address)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return text;
    }
}
