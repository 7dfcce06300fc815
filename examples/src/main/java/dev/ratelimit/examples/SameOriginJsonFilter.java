package dev.ratelimit.examples;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Keeps the JSON API to the demo's own page: a request whose {@code Origin} is another site's is
 * refused with 403, and a {@code POST} whose body is not {@code application/json} with 415 — the
 * content types a cross-site HTML form can send ({@code text/plain}, form-encoded, multipart)
 * never reach an endpoint. Both refusals are problem+json, and come before the rate limits, so a
 * forged request costs the visitor none of their quota.
 *
 * <p>The service's own origin is, by default, the one whose host and port are the request's
 * {@code Host} header (browsers send {@code Origin} with every cross-origin request and every
 * {@code POST}; requests without one, from curl or a server, pass). Behind a proxy that rewrites
 * {@code Host}, or to shut out DNS-rebinding pages (which reach the service under a host name of
 * their own), list the public origins instead: then only those pass.
 */
final class SameOriginJsonFilter extends HttpFilter {

    private static final long serialVersionUID = 1L;

    private final Set<String> allowedOrigins;

    /**
     * @param allowedOrigins comma-separated origins such as {@code https://threadr.example}, or
     *     null or blank for "the origin of the request's Host"
     * @throws IllegalArgumentException naming an entry that is not an origin
     */
    SameOriginJsonFilter(String allowedOrigins) {
        Set<String> origins = new LinkedHashSet<>();
        if (allowedOrigins != null && !allowedOrigins.isBlank()) {
            for (String entry : allowedOrigins.split(",", -1)) {
                String origin = normalise(entry.strip().replaceAll("/+$", ""));
                if (origin == null) {
                    throw new IllegalArgumentException("ALLOWED_ORIGINS: \"" + entry.strip()
                            + "\" is not an origin such as https://threadr.example or http://localhost:8080");
                }
                origins.add(origin);
            }
        }
        this.allowedOrigins = Set.copyOf(origins);
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        String origin = request.getHeader("Origin");
        if (origin != null && !allowed(origin, request.getHeader("Host"))) {
            Json.problem(response, 403, "Forbidden", "cross-site requests are not accepted");
            return;
        }
        if (request.getMethod().equals("POST") && !isJson(request.getContentType())) {
            Json.problem(response, 415, "Unsupported Media Type", "send the body as application/json");
            return;
        }
        chain.doFilter(request, response);
    }

    private boolean allowed(String origin, String host) {
        String normalised = normalise(origin);
        if (normalised == null) {
            return false;
        }
        if (!allowedOrigins.isEmpty()) {
            return allowedOrigins.contains(normalised);
        }
        return host != null
                && normalised.substring(normalised.indexOf("://") + 3).equals(host.toLowerCase(Locale.ROOT));
    }

    /** {@code scheme://host[:port]} in lower case, or null if {@code origin} is not an http(s) origin. */
    private static String normalise(String origin) {
        try {
            URI uri = new URI(origin);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https"))
                    || uri.getHost() == null
                    || uri.getRawUserInfo() != null
                    || !(uri.getRawPath() == null || uri.getRawPath().isEmpty())
                    || uri.getRawQuery() != null
                    || uri.getRawFragment() != null) {
                return null;
            }
            return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT)
                    + (uri.getPort() == -1 ? "" : ":" + uri.getPort());
        } catch (URISyntaxException e) {
            return null;
        }
    }

    private static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        int semicolon = contentType.indexOf(';');
        String mime = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip();
        return mime.equalsIgnoreCase("application/json");
    }
}
