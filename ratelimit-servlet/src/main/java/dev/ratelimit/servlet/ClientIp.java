package dev.ratelimit.servlet;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Enumeration;
import java.util.List;

/**
 * Who the client is: the peer, unless the peer is a trusted proxy; then the forwarding headers are
 * read right to left and the first address that is not a trusted proxy is the client. Both
 * {@code X-Forwarded-For} and RFC 7239 {@code Forwarded} are read ({@code Forwarded} first when
 * both are present). A malformed or unknown entry stops the walk at the last address trusted so
 * far: a forged header can name itself, but it cannot hide the real peer behind it.
 */
final class ClientIp {

    private final List<Cidr> trustedProxies;

    ClientIp(List<Cidr> trustedProxies) {
        this.trustedProxies = List.copyOf(trustedProxies);
    }

    /** The client's address bytes, or null when even the peer address is unreadable. */
    byte[] resolve(HttpServletRequest request) {
        byte[] peer = IpAddress.parse(request.getRemoteAddr());
        if (peer == null || trustedProxies.isEmpty() || !Cidr.anyContains(trustedProxies, peer)) {
            return peer;
        }
        List<String> hops = forwarded(request);
        byte[] client = peer;
        for (int i = hops.size() - 1; i >= 0; i--) {
            byte[] hop = IpAddress.parse(hops.get(i));
            if (hop == null) {
                return client;
            }
            client = hop;
            if (!Cidr.anyContains(trustedProxies, hop)) {
                return hop;
            }
        }
        return client;
    }

    /** The chain of addresses the proxies recorded, oldest first. */
    private static List<String> forwarded(HttpServletRequest request) {
        List<String> hops = new java.util.ArrayList<>();
        Enumeration<String> forwarded = request.getHeaders("Forwarded");
        if (forwarded != null && forwarded.hasMoreElements()) {
            while (forwarded.hasMoreElements()) {
                for (String element : forwarded.nextElement().split(",")) {
                    hops.add(forParameter(element));
                }
            }
            return hops;
        }
        Enumeration<String> xff = request.getHeaders("X-Forwarded-For");
        while (xff != null && xff.hasMoreElements()) {
            for (String entry : xff.nextElement().split(",")) {
                hops.add(entry.strip());
            }
        }
        return hops;
    }

    /** The {@code for=} value of one {@code Forwarded} element, unquoted; "" if none. */
    private static String forParameter(String element) {
        for (String pair : element.split(";")) {
            String p = pair.strip();
            if (p.length() > 4 && p.regionMatches(true, 0, "for=", 0, 4)) {
                String value = p.substring(4).strip();
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                    value = value.substring(1, value.length() - 1);
                }
                return value;
            }
        }
        return "";
    }
}
