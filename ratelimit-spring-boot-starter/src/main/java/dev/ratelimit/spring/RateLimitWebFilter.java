package dev.ratelimit.spring;

import dev.ratelimit.Decision;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.http.ForwardedHeader;
import dev.ratelimit.http.QuotaHeaders;
import dev.ratelimit.http.RequestLimits;
import dev.ratelimit.http.RequestRule;
import dev.ratelimit.http.TooManyRequests;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * The WebFlux counterpart of the servlet {@code RateLimitFilter}, with the same rules, client
 * addresses, headers and {@code 429} problem (all from {@code ratelimit-http}): the first rule
 * whose methods and path match decides, through its {@link RateLimiter}, for the request's key.
 * It never blocks: it waits for {@link RateLimiter#tryAcquireAsync} without a thread, and the
 * request goes on from the thread that completed the decision (at once for memory; the backend's
 * I/O thread for Redis or Upstash, as with any reactive client of theirs).
 *
 * <p>The Spring Boot starter configures one from {@code ratelimit.rules}; build one yourself with
 * {@link #builder()}. Thread-safe.
 */
public final class RateLimitWebFilter implements WebFilter, Ordered {

    /** The exchange attribute in which the filter leaves the key a limited request counted against. */
    public static final String KEY_ATTRIBUTE = "dev.ratelimit.spring.key";

    private final RequestLimits limits;
    private final KeyResolver keys;
    private final QuotaHeaders headers;
    private final int order;

    private RateLimitWebFilter(Builder b) {
        this.limits = b.limits.build();
        this.keys = b.keys;
        this.headers = b.headers;
        this.order = b.order;
    }

    /** {@return an empty builder; at least one rule is required} */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Who a request counts against. The filter resolves the client's address first (trusted
     * proxies, IPv6 prefix) and passes it on; a resolver that finds no key of its own completes
     * empty, and the request counts against that address.
     */
    @FunctionalInterface
    public interface KeyResolver {

        /**
         * The key for {@code exchange}, or empty to fall back to {@code clientAddress}.
         *
         * @param exchange the request being limited
         * @param clientAddress the client's address in key form, as {@link RequestLimits#clientAddress}
         *     gives it
         * @return the key, or an empty {@code Mono} (or an empty string) for the client's address
         */
        Mono<String> key(ServerWebExchange exchange, String clientAddress);

        /** {@return a resolver that keys every request by the client's address (the default)} */
        static KeyResolver clientIp() {
            return (exchange, clientAddress) -> Mono.just(clientAddress);
        }

        /**
         * The value of a request header, such as an API key, prefixed {@code header:} so it never
         * collides with an address; requests without it count against their address.
         *
         * @param name the header's name; its first value, stripped, is the key, and a blank one
         *     counts as absent
         * @return the resolver
         */
        static KeyResolver header(String name) {
            Objects.requireNonNull(name, "name");
            return (exchange, clientAddress) -> {
                String value = exchange.getRequest().getHeaders().getFirst(name);
                return value == null || value.isBlank() ? Mono.empty() : Mono.just("header:" + value.strip());
            };
        }

        /**
         * The authenticated user's name, prefixed {@code user:}; anonymous requests count against
         * their address.
         *
         * @return the resolver, which reads {@link ServerWebExchange#getPrincipal()}
         */
        static KeyResolver principal() {
            return (exchange, clientAddress) -> exchange.getPrincipal().map(user -> "user:" + user.getName());
        }
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        ServerHttpRequest request = exchange.getRequest();
        RequestRule rule = limits.match(
                request.getMethod().name(),
                request.getPath().pathWithinApplication().value());
        if (rule == null) {
            return chain.filter(exchange);
        }
        String address = limits.clientAddress(peer(request), lines(request));
        if (address == null) {
            return chain.filter(exchange);
        }
        return keys.key(exchange, address)
                .filter(key -> !key.isEmpty())
                .defaultIfEmpty(address)
                .flatMap(key -> decide(exchange, chain, rule, key));
    }

    private Mono<Void> decide(ServerWebExchange exchange, WebFilterChain chain, RequestRule rule, String key) {
        exchange.getAttributes().put(KEY_ATTRIBUTE, key);
        RateLimiter limiter = rule.limiter();
        return Mono.fromCompletionStage(limiter.tryAcquireAsync(key)).flatMap(decision -> {
            Mono<Void> denied = respond(exchange, limits, headers, limiter.policy(), decision, rule, key);
            return denied != null ? denied : chain.filter(exchange);
        });
    }

    /**
     * Writes the quota headers and, for a denial that is not a dry run, the 429; null when the
     * request goes on.
     */
    static @Nullable Mono<Void> respond(
            ServerWebExchange exchange,
            RequestLimits limits,
            QuotaHeaders headers,
            Policy policy,
            Decision decision,
            Object deniedBy,
            String key) {
        ServerHttpResponse response = exchange.getResponse();
        HttpHeaders responseHeaders = response.getHeaders();
        headers.write(policy, decision, responseHeaders::set);
        if (decision.allowed()) {
            return null;
        }
        if (limits.dryRun()) {
            limits.dryRunDenied(deniedBy, key);
            return null;
        }
        response.setStatusCode(HttpStatus.TOO_MANY_REQUESTS);
        responseHeaders.set(HttpHeaders.RETRY_AFTER, Long.toString(TooManyRequests.retryAfterSeconds(decision)));
        responseHeaders.setContentType(
                new MediaType("application", "problem+json", java.nio.charset.StandardCharsets.UTF_8));
        byte[] body = TooManyRequests.body(decision, limits.problemType());
        responseHeaders.setContentLength(body.length);
        return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
    }

    /** The peer's address as text, or null when the server does not know it. */
    static @Nullable String peer(ServerHttpRequest request) {
        InetSocketAddress remote = request.getRemoteAddress();
        if (remote == null) {
            return null;
        }
        return remote.getAddress() != null ? remote.getAddress().getHostAddress() : remote.getHostString();
    }

    /** The lines of a request header, for {@link RequestLimits#clientAddress}. */
    static Function<String, List<String>> lines(ServerHttpRequest request) {
        return name -> {
            List<String> values = request.getHeaders().get(name);
            return values == null ? List.of() : values;
        };
    }

    @Override
    public int getOrder() {
        return order;
    }

    @Override
    public String toString() {
        return "RateLimitWebFilter" + limits;
    }

    /** Configures a {@link RateLimitWebFilter}; every option but {@code rule} may be set once. */
    public static final class Builder {
        private final RequestLimits.Builder limits = RequestLimits.builder();
        private KeyResolver keys = KeyResolver.clientIp();
        private QuotaHeaders headers = QuotaHeaders.IETF;
        private int order;
        private final Set<String> set = new HashSet<>();

        private Builder() {}

        private void once(String option) {
            if (!set.add(option)) {
                throw new IllegalStateException("RateLimitWebFilter.builder: " + option + " was already set");
            }
        }

        /**
         * Adds a rule; rules are tried in the order added and the first match decides.
         *
         * @param methods comma-separated HTTP methods, or {@code *} for all
         * @param pattern {@code /exact}, {@code /prefix/*}, {@code *.suffix} or {@code /*}
         * @param limiter decides for the requests that match; the caller keeps ownership
         * @return this builder
         * @throws IllegalArgumentException if the pattern is none of those
         */
        public Builder rule(String methods, String pattern, RateLimiter limiter) {
            limits.rule(methods, pattern, limiter);
            return this;
        }

        /**
         * Adds a rule written as text, such as {@code POST /api/generate = 5/1h}, with an in-memory
         * limiter; the syntax is {@link RequestLimits.Builder#rule(String)}'s.
         *
         * @param spec one rule in that syntax
         * @return this builder
         * @throws IllegalArgumentException saying what in the rule cannot be read
         */
        public Builder rule(String spec) {
            limits.rule(spec);
            return this;
        }

        /**
         * The proxies whose forwarding header is believed, as CIDRs ({@code 10.0.0.0/8},
         * {@code fd00::/8}) (default: none).
         *
         * @param cidrs the networks; each argument may hold several, separated by commas or
         *     whitespace
         * @return this builder
         * @throws IllegalArgumentException naming a CIDR that cannot be read
         * @throws IllegalStateException if it was already set
         */
        public Builder trustedProxies(String... cidrs) {
            once("trustedProxies");
            limits.trustedProxies(cidrs);
            return this;
        }

        /**
         * The header the trusted proxies append the client to (default {@code X-Forwarded-For});
         * the other one is ignored.
         *
         * @param header the header to read; not null
         * @return this builder
         * @throws IllegalStateException if it was already set
         */
        public Builder forwardedHeader(ForwardedHeader header) {
            once("forwardedHeader");
            limits.forwardedHeader(header);
            return this;
        }

        /**
         * Clients that are never limited, as CIDRs (default: none).
         *
         * @param cidrs the networks; each argument may hold several, separated by commas or
         *     whitespace
         * @return this builder
         * @throws IllegalArgumentException naming a CIDR that cannot be read
         * @throws IllegalStateException if it was already set
         */
        public Builder exempt(String... cidrs) {
            once("exempt");
            limits.exempt(cidrs);
            return this;
        }

        /**
         * How many leading bits of an IPv6 address identify one client (default 64).
         *
         * @param bits the prefix length, 1 to 128
         * @return this builder
         * @throws IllegalArgumentException unless between 1 and 128
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
         * Decide, log and add headers, but never block: for rolling a limit out safely.
         *
         * @param dryRun true to report denials without blocking (default false)
         * @return this builder
         * @throws IllegalStateException if it was already set
         */
        public Builder dryRun(boolean dryRun) {
            once("dryRun");
            limits.dryRun(dryRun);
            return this;
        }

        /**
         * The quota headers (default {@link QuotaHeaders#IETF}).
         *
         * @param headers the header style; {@link QuotaHeaders#NONE} for none
         * @return this builder
         * @throws IllegalStateException if it was already set
         */
        public Builder headers(QuotaHeaders headers) {
            once("headers");
            this.headers = Objects.requireNonNull(headers, "headers");
            return this;
        }

        /**
         * The {@code type} URI of the 429 problem body (default {@code about:blank}).
         *
         * @param uri an absolute URI with no quote, backslash or whitespace
         * @return this builder
         * @throws IllegalArgumentException unless an absolute URI
         * @throws IllegalStateException if it was already set
         */
        public Builder problemType(String uri) {
            once("problemType");
            limits.problemType(uri);
            return this;
        }

        /**
         * The filter's order among the application's web filters (default 0).
         *
         * @param order the order; lower runs earlier
         * @return this builder
         * @throws IllegalStateException if it was already set
         */
        public Builder order(int order) {
            once("order");
            this.order = order;
            return this;
        }

        /**
         * Builds the filter, with an in-memory limiter made for every rule given as text.
         *
         * @return the filter
         * @throws IllegalStateException if there is no rule
         */
        public RateLimitWebFilter build() {
            if (!limits.hasRules()) {
                throw new IllegalStateException("a RateLimitWebFilter needs at least one rule: call rule(...)");
            }
            return new RateLimitWebFilter(this);
        }
    }
}
