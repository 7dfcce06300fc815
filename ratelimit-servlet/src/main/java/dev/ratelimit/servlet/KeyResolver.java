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
     * The key for {@code request}, or null to fall back to {@code clientAddress}.
     *
     * @param clientAddress the resolved client address: {@code 203.0.113.7}, or an IPv6 network such
     *     as {@code 2001:db8:0:1:0:0:0:0/64}
     */
    @Nullable
    String key(HttpServletRequest request, String clientAddress);

    /** The client's address (the default). */
    static KeyResolver clientIp() {
        return (request, clientAddress) -> clientAddress;
    }

    /**
     * The value of a request header, such as an API key; requests without it count against their
     * address. Keys are prefixed ({@code header:}) so they never collide with addresses.
     */
    static KeyResolver header(String name) {
        Objects.requireNonNull(name, "name");
        return (request, clientAddress) -> {
            String value = request.getHeader(name);
            return value == null || value.isBlank() ? null : "header:" + value.strip();
        };
    }

    /** The authenticated user's name; anonymous requests count against their address. */
    static KeyResolver principal() {
        return (request, clientAddress) -> {
            Principal user = request.getUserPrincipal();
            return user == null ? null : "user:" + user.getName();
        };
    }
}
