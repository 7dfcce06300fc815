package dev.ratelimit.servlet;

import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Who a request counts against. The filter resolves the client's address first (trusted proxies,
 * IPv6 prefix) and passes it on; a resolver that finds no key of its own returns {@code null}, and
 * the request counts against that address.
 */
@FunctionalInterface
public interface KeyResolver {

    /**
     * {@return the key for {@code request}, or null (or empty) to fall back to
     * {@code clientAddress}}
     *
     * @param request the request to be limited
     * @param clientAddress the resolved client address: {@code 203.0.113.7}, or an IPv6 network such
     *     as {@code 2001:db8:0:1:0:0:0:0/64}
     */
    @Nullable
    String key(HttpServletRequest request, String clientAddress);

    /** {@return a resolver that keys every request by the client's address (the default)} */
    static KeyResolver clientIp() {
        return (request, clientAddress) -> clientAddress;
    }

    /**
     * {@return a resolver that keys a request by the value of a request header, such as an API
     * key} Requests without it, or with a blank value, count against their address. The value is
     * stripped and prefixed ({@code header:}) so that it never collides with an address.
     *
     * @param name the header's name; not null
     */
    static KeyResolver header(String name) {
        Objects.requireNonNull(name, "name");
        return (request, clientAddress) -> {
            String value = request.getHeader(name);
            return value == null || value.isBlank() ? null : "header:" + value.strip();
        };
    }

    /**
     * {@return a resolver that keys a request by the authenticated user's name, prefixed with
     * {@code user:}} Anonymous requests count against their address.
     */
    static KeyResolver principal() {
        return (request, clientAddress) -> {
            Principal user = request.getUserPrincipal();
            return user == null ? null : "user:" + user.getName();
        };
    }
}
