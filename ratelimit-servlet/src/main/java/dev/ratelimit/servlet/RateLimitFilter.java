package dev.ratelimit.servlet;

import dev.ratelimit.Decision;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.http.RequestLimits;
import dev.ratelimit.http.RequestRule;
import dev.ratelimit.http.TooManyRequests;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rate limits HTTP requests: the first rule whose methods and path match decides, through its
 * {@link RateLimiter}, for the request's key (the client's address by default); requests no rule
 * matches pass untouched.
 *
 * <p>Allowed requests go on with the quota headers ({@link RateLimitHeaders#IETF} by default).
 * Denied requests get {@code 429 Too Many Requests}, {@code Retry-After} in whole seconds rounded
 * up, the quota headers and an {@code application/problem+json} body:
 *
 * <pre>{@code
 * {"type":"about:blank","title":"Too Many Requests","status":429,
 *  "detail":"Rate limit exceeded. Max 5 requests per 60 minutes.","retryAfter":1800}
 * }</pre>
 *
 * <p>The client's address is the peer's, unless the peer is a trusted proxy: then one forwarding
 * header, chosen with {@link ForwardedHeader} ({@code X-Forwarded-For} by default), is read right to
 * left and the first address that is not a trusted proxy is the client; the other header is never
 * read. An entry there that names no address (such as {@code unknown} or an obfuscated
 * {@code _name}) stops the walk, and the last trusted address decides. IPv6 clients are keyed by
 * their /64 (configurable); an IPv4-mapped IPv6 address is its IPv4 address; ports and zone ids are
 * ignored. When a limiter's backends fail, its failure policy answers: the filter never turns a
 * backend failure into an error page.
 *
 * <p>Configure it with {@link #builder()} (and register the instance with
 * {@code ServletContext.addFilter}), or in {@code web.xml} with init-params; see
 * {@link #init(FilterConfig)}. No container-specific code; thread-safe.
 */
public final class RateLimitFilter implements Filter {

    private static final Logger LOG = LoggerFactory.getLogger(RateLimitFilter.class);

    /**
     * The request attribute in which the filter leaves the key a limited request counted against
     * (a {@code String}: the client's address, or what the {@link KeyResolver} returned), for the
     * application — to peek at the same key's quota, say, or to log it.
     */
    public static final String KEY_ATTRIBUTE = "dev.ratelimit.servlet.key";

    private volatile @Nullable Settings settings;

    /**
     * The forwarding header that names the client when the peer is a trusted proxy. Exactly one is
     * read, right to left through the trusted proxies; the other is ignored, because a client can
     * send either and most proxies pass the one they do not write through untouched. Choose the one
     * your proxies append to.
     */
    public enum ForwardedHeader {
        /**
         * {@code X-Forwarded-For: client, proxy1, proxy2}: each proxy appends the address of its peer.
         * The default.
         */
        X_FORWARDED_FOR,
        /**
         * RFC 7239 {@code Forwarded: for=client, for="[2001:db8::1]:4711";proto=https}: the
         * {@code for} parameter of each element, the elements of every header line in order.
         */
        FORWARDED
    }

    /** What the filter needs per request; {@code limits} holds the rules, addresses and dry run. */
    record Settings(RequestLimits limits, KeyResolver keys, RateLimitHeaders headers) {}

    /** A filter to be configured by {@code web.xml} init-params in {@link #init(FilterConfig)}. */
    public RateLimitFilter() {}

    private RateLimitFilter(Settings settings) {
        this.settings = settings;
    }

    /** {@return a new builder, for a filter configured in code} */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads the init-params, unless the filter was built with {@link #builder()}:
     * <ul>
     *   <li>{@code rules} (required): one rule per line or separated by {@code ;}, in the syntax
     *       {@code [name:] METHODS PATH = LIMIT[, LIMIT…]} — for example
     *       {@code POST /api/generate = 5/1h} or {@code GET /api/* = 100/1m sliding, 10/1s token-bucket burst 20};
     *   <li>{@code backend}: {@code memory} (default) or {@code environment}
     *       ({@code RateLimiter.fromEnvironment}: Redis, Upstash, then memory);
     *   <li>{@code failure-policy}: {@code fail-open} (default) or {@code fail-closed};
     *   <li>{@code trusted-proxies}, {@code exempt}: comma-separated CIDRs;
     *   <li>{@code forwarded-header}: the header your trusted proxies append the client to,
     *       {@code x-forwarded-for} (default) or {@code forwarded} (RFC 7239); the other is ignored;
     *   <li>{@code ipv6-prefix}: bits of an IPv6 address that identify a client (default 64);
     *   <li>{@code key}: {@code ip} (default), {@code header:NAME} or {@code principal};
     *   <li>{@code dry-run}: {@code true} to decide, log and add headers without ever blocking;
     *   <li>{@code headers}: {@code ietf} (default), {@code legacy} or {@code none}.
     * </ul>
     *
     * @throws ServletException naming the init-param that is wrong
     */
    @Override
    public void init(FilterConfig config) throws ServletException {
        if (settings != null) {
            return;
        }
        try {
            settings = InitParams.settings(config);
        } catch (IllegalArgumentException e) {
            throw new ServletException("RateLimitFilter '" + config.getFilterName() + "': " + e.getMessage(), e);
        }
        LOG.info("RateLimitFilter '{}': {}", config.getFilterName(), settings.limits());
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        Settings s = settings;
        if (s == null
                || !(req instanceof HttpServletRequest request)
                || !(res instanceof HttpServletResponse response)) {
            chain.doFilter(req, res);
            return;
        }
        String path = request.getServletPath();
        String pathInfo = request.getPathInfo();
        if (pathInfo != null) {
            path = path + pathInfo;
        }
        RequestLimits limits = s.limits;
        RequestRule rule = limits.match(request.getMethod(), path);
        if (rule == null) {
            chain.doFilter(request, response);
            return;
        }
        String address = limits.clientAddress(request.getRemoteAddr(), name -> lines(request, name));
        if (address == null) {
            chain.doFilter(request, response);
            return;
        }
        String key = s.keys.key(request, address);
        if (key == null || key.isEmpty()) {
            key = address;
        }
        request.setAttribute(KEY_ATTRIBUTE, key);
        RateLimiter limiter = rule.limiter();
        Decision decision = limiter.tryAcquire(key);
        Policy policy = limiter.policy();
        s.headers.write(response, policy, decision);
        if (decision.allowed()) {
            chain.doFilter(request, response);
        } else if (limits.dryRun()) {
            limits.dryRunDenied(rule, key);
            chain.doFilter(request, response);
        } else {
            deny(response, decision, limits.problemType());
        }
    }

    private static List<String> lines(HttpServletRequest request, String name) {
        Enumeration<String> lines = request.getHeaders(name);
        return lines == null ? List.of() : Collections.list(lines);
    }

    /** Writes the {@code 429} for {@code decision}: the quota headers are already set. */
    private static void deny(HttpServletResponse response, Decision decision, String problemType) throws IOException {
        response.setStatus(TooManyRequests.STATUS);
        response.setHeader("Retry-After", Long.toString(TooManyRequests.retryAfterSeconds(decision)));
        response.setContentType(TooManyRequests.CONTENT_TYPE);
        response.setCharacterEncoding("UTF-8");
        byte[] body = TooManyRequests.body(decision, problemType);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    /** Closes the limiters the filter created from rule specifications. */
    @Override
    public void destroy() {
        Settings s = settings;
        if (s != null) {
            s.limits.close();
        }
    }

    @Override
    public String toString() {
        Settings s = settings;
        return "RateLimitFilter" + (s == null ? "[not configured]" : s.limits.toString());
    }

    /** Configures a {@link RateLimitFilter}; every option but {@code rule} may be set once. */
    public static final class Builder {
        private final RequestLimits.Builder limits = RequestLimits.builder();
        private KeyResolver keys = KeyResolver.clientIp();
        private RateLimitHeaders headers = RateLimitHeaders.IETF;
        private final Set<String> set = new HashSet<>();

        private Builder() {}

        private void once(String option) {
            if (!set.add(option)) {
                throw new IllegalStateException("RateLimitFilter.builder: " + option + " was already set");
            }
        }

        /**
         * Adds a rule; rules are tried in the order added and the first match decides.
         *
         * @param methods comma-separated HTTP methods, or {@code *} for all
         * @param pattern {@code /exact}, {@code /prefix/*}, {@code *.suffix} or {@code /*}
         * @param limiter decides for the requests that match; the caller keeps ownership
         * @return this builder
         * @throws IllegalArgumentException if the pattern has none of those forms
         */
        public Builder rule(String methods, String pattern, RateLimiter limiter) {
            limits.rule(methods, pattern, limiter);
            return this;
        }

        /**
         * Adds a rule written as in {@code web.xml}, such as {@code POST /api/generate = 5/1h}; its
         * limiter comes from {@link #limiters} and is closed with the filter. The syntax is
         * {@link RequestLimits.Builder#rule(String)}'s.
         *
         * @param spec {@code [name:] METHODS PATH = LIMIT[, LIMIT…]}, as the {@code rules}
         *     init-param of {@link RateLimitFilter#init(FilterConfig)} takes one rule
         * @return this builder
         * @throws IllegalArgumentException saying what in the rule cannot be read
         */
        public Builder rule(String spec) {
            limits.rule(spec);
            return this;
        }

        /** Adds the rules of a {@code web.xml} init-param: one per line or separated by {@code ;}. */
        Builder rules(String text) {
            limits.rules(text);
            return this;
        }

        /**
         * How {@link #build()} makes the limiters of rules given as text (default: in memory); for
         * example {@code RateLimiter::fromEnvironment}.
         *
         * @param factory makes the limiter of a rule's policy, once per rule given as text; the
         *     filter closes those limiters in {@link RateLimitFilter#destroy()}
         * @return this builder
         * @throws IllegalStateException if it was already set
         */
        public Builder limiters(Function<Policy, RateLimiter> factory) {
            once("limiters");
            limits.limiters(factory);
            return this;
        }

        /**
         * The proxies whose forwarding header is believed (default: none, so the peer is the
         * client).
         *
         * @param cidrs networks as CIDRs ({@code 10.0.0.0/8}, {@code fd00::/8}), or single
         *     addresses; each argument may itself be a comma- or whitespace-separated list
         * @return this builder
         * @throws IllegalArgumentException naming an entry that is not an IP network
         * @throws IllegalStateException if they were already set
         */
        public Builder trustedProxies(String... cidrs) {
            once("trustedProxies");
            limits.trustedProxies(cidrs);
            return this;
        }

        /**
         * The header the trusted proxies append the client to (default
         * {@link ForwardedHeader#X_FORWARDED_FOR}); the other one is ignored.
         *
         * @param header the header to read when the peer is a trusted proxy; not null
         * @return this builder
         * @throws IllegalStateException if it was already set
         */
        public Builder forwardedHeader(ForwardedHeader header) {
            once("forwardedHeader");
            limits.forwardedHeader(dev.ratelimit.http.ForwardedHeader.valueOf(
                    Objects.requireNonNull(header, "header").name()));
            return this;
        }

        /**
         * Clients that are never limited (health checks, your office); default none.
         *
         * @param cidrs networks as CIDRs, or single addresses; each argument may itself be a
         *     comma- or whitespace-separated list
         * @return this builder
         * @throws IllegalArgumentException naming an entry that is not an IP network
         * @throws IllegalStateException if they were already set
         */
        public Builder exempt(String... cidrs) {
            once("exempt");
            limits.exempt(cidrs);
            return this;
        }

        /**
         * How many leading bits of an IPv6 address identify one client (default 64).
         *
         * @param bits from 1 to 128; 128 keys every IPv6 address on its own
         * @return this builder
         * @throws IllegalArgumentException if {@code bits} is out of range
         * @throws IllegalStateException if it was already set
         */
        public Builder ipv6Prefix(int bits) {
            once("ipv6Prefix");
            limits.ipv6Prefix(bits);
            return this;
        }

        /**
         * Who a request counts against (default: the client's address).
         *
         * @param keys the resolver; not null
         * @return this builder
         * @throws IllegalStateException if it was already set
         */
        public Builder keyResolver(KeyResolver keys) {
            once("keyResolver");
            this.keys = Objects.requireNonNull(keys, "keys");
            return this;
        }

        /**
         * Decide, log and add headers, but never block: for rolling a limit out safely (default
         * false).
         *
         * @param dryRun true to let denied requests through, logging them at most once a second
         * @return this builder
         * @throws IllegalStateException if it was already set
         */
        public Builder dryRun(boolean dryRun) {
            once("dryRun");
            limits.dryRun(dryRun);
            return this;
        }

        /**
         * The quota headers (default {@link RateLimitHeaders#IETF}).
         *
         * @param headers writes the headers of every limited response; not null
         * @return this builder
         * @throws IllegalStateException if it was already set
         */
        public Builder headers(RateLimitHeaders headers) {
            once("headers");
            this.headers = Objects.requireNonNull(headers, "headers");
            return this;
        }

        /**
         * The {@code type} URI of the 429 problem body (default {@code about:blank}).
         *
         * @param uri an absolute URI, without quotes, backslashes or whitespace
         * @return this builder
         * @throws IllegalArgumentException if {@code uri} is not of that form
         * @throws IllegalStateException if it was already set
         */
        public Builder problemType(String uri) {
            once("problemType");
            limits.problemType(uri);
            return this;
        }

        /**
         * Builds the filter, making the limiter of every rule given as text; if making one fails,
         * those already made are closed.
         *
         * @return the configured filter; its {@link RateLimitFilter#init(FilterConfig)} reads no
         *     init-params
         * @throws IllegalStateException if there is no rule
         */
        public RateLimitFilter build() {
            return new RateLimitFilter(settings());
        }

        /** The settings, with a limiter made for every rule given as text; none is left open if one fails. */
        Settings settings() {
            if (!limits.hasRules()) {
                throw new IllegalStateException("a RateLimitFilter needs at least one rule: call rule(...)");
            }
            return new Settings(limits.build(), keys, headers);
        }
    }
}
