package dev.ratelimit.http;

/**
 * The forwarding header that names the client when the peer is a trusted proxy. Exactly one is
 * read, right to left through the trusted proxies; the other is ignored, because a client can send
 * either and most proxies pass the one they do not write through untouched. Choose the one your
 * proxies append to.
 */
public enum ForwardedHeader {
    /**
     * {@code X-Forwarded-For: client, proxy1, proxy2}: each proxy appends the address of its peer.
     * The default.
     */
    X_FORWARDED_FOR("X-Forwarded-For"),
    /**
     * RFC 7239 {@code Forwarded: for=client, for="[2001:db8::1]:4711";proto=https}: the {@code for}
     * parameter of each element, the elements of every header line in order.
     */
    FORWARDED("Forwarded");

    private final String headerName;

    ForwardedHeader(String headerName) {
        this.headerName = headerName;
    }

    /** {@return the header's name as sent: {@code X-Forwarded-For} or {@code Forwarded}} */
    public String headerName() {
        return headerName;
    }
}
