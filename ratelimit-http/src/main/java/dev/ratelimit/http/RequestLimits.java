package dev.ratelimit.http;

import dev.ratelimit.Policy;
import dev.ratelimit.RateLimiter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an HTTP rate-limit filter decides before it asks a limiter, whatever its web stack: which
 * {@link RequestRule} a request falls under (the first that matches), who the client is behind the
 * trusted proxies, whether the filter only reports (dry run), and the {@code type} of its 429
 * problem. A filter then asks the rule's limiter for the request's key and writes the
 * {@link QuotaHeaders} and, when denied, the {@link TooManyRequests} response.
 *
 * <p>The client's address is the peer's, unless the peer is inside a trusted-proxy CIDR: then one
 * forwarding header, chosen with {@link ForwardedHeader} ({@code X-Forwarded-For} by default), is
 * read right to left and the first address that is not a trusted proxy is the client; the other
 * header is never read. An entry there that names no address (such as {@code unknown} or an
 * obfuscated {@code _name}) stops the walk, and the last trusted address decides. IPv6 clients are
 * keyed by their /64 (configurable); an IPv4-mapped IPv6 address is its IPv4 address; ports and
 * zone ids are ignored; nothing is ever looked up in DNS.
 *
 * <p>Immutable and thread-safe; {@link #close()} closes the limiters it made from rule text.
 */
public final class RequestLimits implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RequestLimits.class);

    /** The key of a request whose peer address cannot be read. */
    public static final String UNKNOWN_CLIENT = "unknown";

    private final List<RequestRule> rules;
    private final ClientIp clientIp;
    private final ForwardedHeader forwardedHeader;
    private final List<Cidr> exempt;
    private final int ipv6Prefix;
    private final boolean dryRun;
    private final String problemType;
    private final List<RateLimiter> owned;
    private final AtomicLong dryRunDenials = new AtomicLong();
    private volatile long dryRunLoggedAt = System.nanoTime() - 2_000_000_000L;

    private RequestLimits(Builder b, List<RequestRule> rules, List<RateLimiter> owned) {
        this.rules = rules;
        this.clientIp = new ClientIp(b.trustedProxies, b.forwardedHeader);
        this.forwardedHeader = b.forwardedHeader;
        this.exempt = b.exempt;
        this.ipv6Prefix = b.ipv6Prefix;
        this.dryRun = b.dryRun;
        this.problemType = b.problemType;
        this.owned = owned;
    }

    /** {@return an empty builder; every option but the rules may be set once} */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A policy from limits written as in a rule, such as {@code 5/1h} or
     * {@code 100/1m sliding, 10/1s token-bucket burst 20}; see {@link Builder#rule(String)}.
     *
     * @param name the policy's name, as {@link Policy#of(String, java.util.List)} takes it
     * @param limits one or more limits, separated by commas
     * @return the policy, its limits in the order written
     * @throws IllegalArgumentException quoting the text and saying what is wrong, or if the name or
     *     the number of limits is one {@link Policy} refuses
     */
    public static Policy policy(String name, String limits) {
        return RuleSpec.policy(Objects.requireNonNull(name, "name"), Objects.requireNonNull(limits, "limits"));
    }

    /**
     * The name a rule written without one gives its policy: {@code /api/generate} gives
     * {@code api-generate}, {@code /*} gives {@code all}, {@code *.json} gives {@code json}.
     *
     * @param pattern a path pattern; it is not checked
     * @return the runs of letters and digits joined by {@code -}, prefixed with {@code r-} if it
     *     would not start with a letter and cut to 64 characters; {@code all} if there are none
     */
    public static String policyName(String pattern) {
        return RuleSpec.nameOf(pattern);
    }

    /**
     * The first rule that matches, or null when none does (the request passes untouched).
     *
     * @param method the request's method as sent ({@code GET})
     * @param path the path relative to the context, without the query
     * @return the first matching rule in the order they were added, or null
     */
    public @Nullable RequestRule match(String method, String path) {
        for (RequestRule rule : rules) {
            if (rule.matches(method, path)) {
                return rule;
            }
        }
        return null;
    }

    /** {@return the rules in the order they are tried; unmodifiable} */
    public List<RequestRule> rules() {
        return rules;
    }

    /**
     * The key form of the client's address — {@code 203.0.113.7}, or an IPv6 network such as
     * {@code 2001:db8:0:1:0:0:0:0/64} — or null when the client is exempt. A peer address that
     * cannot be read gives {@link #UNKNOWN_CLIENT}.
     *
     * @param peer the address of the connection's other end, as the server reports it
     * @param headerLines the lines of a request header, in the order received (empty when absent);
     *     asked, for {@link #forwardedHeader()}, only when the peer is a trusted proxy
     * @return the client's key, {@link #UNKNOWN_CLIENT}, or null for an exempt client
     */
    public @Nullable String clientAddress(@Nullable String peer, Function<String, List<String>> headerLines) {
        byte @Nullable [] address = IpAddress.parse(peer);
        if (clientIp.trusted(address)) {
            address = clientIp.resolve(address, headerLines.apply(forwardedHeader.headerName()));
        }
        if (address == null) {
            return UNKNOWN_CLIENT;
        }
        return Cidr.anyContains(exempt, address) ? null : IpAddress.key(address, ipv6Prefix);
    }

    /** {@return the header read behind a trusted proxy} */
    public ForwardedHeader forwardedHeader() {
        return forwardedHeader;
    }

    /** {@return whether denials are only reported (logged, with the headers), never blocked} */
    public boolean dryRun() {
        return dryRun;
    }

    /** {@return the {@code type} URI of the 429 problem} */
    public String problemType() {
        return problemType;
    }

    /**
     * Records that a dry run let a request through that would have been denied; logs at most one
     * line a second, with the count since the last.
     *
     * @param deniedBy what denied it, for the log: a {@link RequestRule}, say
     * @param key the key the request was counted against, for the log
     */
    public void dryRunDenied(Object deniedBy, String key) {
        long count = dryRunDenials.incrementAndGet();
        long now = System.nanoTime();
        if (now - dryRunLoggedAt > 1_000_000_000L) {
            dryRunLoggedAt = now;
            dryRunDenials.set(0);
            LOG.info("dry run: {} would have denied {} ({} such requests since the last line)", deniedBy, key, count);
        }
    }

    /** Closes the limiters made from rules given as text; idempotent. */
    @Override
    public void close() {
        owned.forEach(RateLimiter::close);
    }

    @Override
    public String toString() {
        return rules + (dryRun ? " (dry run)" : "");
    }

    /** Configures {@link RequestLimits}. Not thread-safe. */
    public static final class Builder {
        /** The rules in order: a {@link RequestRule}, or a {@link RuleSpec} whose limiter {@link #build()} makes. */
        private final List<Object> rules = new ArrayList<>();

        private Function<Policy, RateLimiter> limiters = RateLimiter::inMemory;
        private List<Cidr> trustedProxies = List.of();
        private ForwardedHeader forwardedHeader = ForwardedHeader.X_FORWARDED_FOR;
        private List<Cidr> exempt = List.of();
        private int ipv6Prefix = 64;
        private boolean dryRun;
        private String problemType = "about:blank";
        private final Set<String> set = new HashSet<>();

        private Builder() {}

        private void once(String option) {
            if (!set.add(option)) {
                throw new IllegalStateException("RequestLimits.builder: " + option + " was already set");
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
            Objects.requireNonNull(limiter, "limiter");
            Set<String> set = methods.strip().equals("*")
                    ? Set.of()
                    : Set.of(methods.strip().toUpperCase(Locale.ROOT).split("\\s*,\\s*"));
            rules.add(new RequestRule(set, pattern, limiter));
            return this;
        }

        /**
         * Adds a rule written as text; its limiter comes from {@link #limiters} and is closed with
         * the {@link RequestLimits}. The syntax:
         *
         * <pre>
         * [name:] METHODS PATH = LIMIT[, LIMIT…]
         * LIMIT   = PERMITS/WINDOW [fixed | sliding | token-bucket [burst N]]
         * WINDOW  = 500ms, 10s, 1m, 1h, 1d, or ISO-8601 (PT90S)
         * METHODS = * or GET,POST,…
         * </pre>
         *
         * <p>For example {@code POST /api/generate = 5/1h} or
         * {@code search: GET /api/search/* = 100/1m sliding, 10/1s token-bucket burst 20}. Without a
         * name, the policy is named after the path ({@code api-generate}).
         *
         * @param text one rule in that syntax
         * @return this builder
         * @throws IllegalArgumentException quoting the rule and saying what is wrong
         */
        public Builder rule(String text) {
            rules.add(RuleSpec.parse(text));
            return this;
        }

        /**
         * Adds rules written as text, one per line or separated by {@code ;}; blank lines and lines
         * starting with {@code #} are skipped. See {@link #rule(String)}.
         *
         * @param text the rules; if one cannot be read, none is added
         * @return this builder
         * @throws IllegalArgumentException quoting the first rule that cannot be read
         */
        public Builder rules(String text) {
            rules.addAll(RuleSpec.parseAll(text));
            return this;
        }

        /** {@return whether any rule was added, as a limiter or as text} */
        public boolean hasRules() {
            return !rules.isEmpty();
        }

        /**
         * How {@link #build()} makes the limiters of rules given as text (default: in memory); for
         * example {@code RateLimiter::fromEnvironment}.
         *
         * @param factory makes one limiter for a rule's policy; called once per text rule by
         *     {@link #build()}, and must not return null
         * @return this builder
         * @throws IllegalStateException if it was already set
         */
        public Builder limiters(Function<Policy, RateLimiter> factory) {
            once("limiters");
            this.limiters = Objects.requireNonNull(factory, "factory");
            return this;
        }

        /**
         * The proxies whose forwarding header is believed, as CIDRs ({@code 10.0.0.0/8},
         * {@code fd00::/8}); each argument may hold several, separated by commas or whitespace.
         * Default: none, so the forwarding header is never read.
         *
         * @param cidrs the networks; blank arguments add none
         * @return this builder
         * @throws IllegalArgumentException naming a CIDR that cannot be read
         * @throws IllegalStateException if it was already set
         */
        public Builder trustedProxies(String... cidrs) {
            once("trustedProxies");
            this.trustedProxies = parse(cidrs);
            return this;
        }

        /**
         * The header the trusted proxies append the client to (default
         * {@link ForwardedHeader#X_FORWARDED_FOR}); the other one is ignored.
         *
         * @param header the header to read; not null
         * @return this builder
         * @throws IllegalStateException if it was already set
         */
        public Builder forwardedHeader(ForwardedHeader header) {
            once("forwardedHeader");
            this.forwardedHeader = Objects.requireNonNull(header, "header");
            return this;
        }

        /**
         * Clients that are never limited, as CIDRs (health checks, your office).
         *
         * @param cidrs the networks; each argument may hold several, separated by commas or
         *     whitespace
         * @return this builder
         * @throws IllegalArgumentException naming a CIDR that cannot be read
         * @throws IllegalStateException if it was already set
         */
        public Builder exempt(String... cidrs) {
            once("exempt");
            this.exempt = parse(cidrs);
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
            if (bits < 1 || bits > 128) {
                throw new IllegalArgumentException("ipv6Prefix must be between 1 and 128; got " + bits);
            }
            this.ipv6Prefix = bits;
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
            this.dryRun = dryRun;
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
            this.problemType = TooManyRequests.checkProblemType(uri);
            return this;
        }

        /**
         * Builds it, with a limiter made for every rule given as text; none is left open if one
         * fails.
         *
         * @return the limits, which own (and close) the limiters made from text
         * @throws NullPointerException if the {@link #limiters} factory returned null
         */
        public RequestLimits build() {
            List<RequestRule> built = new ArrayList<>();
            List<RateLimiter> owned = new ArrayList<>();
            try {
                for (Object rule : rules) {
                    if (rule instanceof RuleSpec spec) {
                        RateLimiter limiter = Objects.requireNonNull(limiters.apply(spec.policy()), "limiter");
                        owned.add(limiter);
                        built.add(new RequestRule(spec.methods(), spec.pattern(), limiter));
                    } else {
                        built.add((RequestRule) rule);
                    }
                }
            } catch (RuntimeException e) {
                owned.forEach(RateLimiter::close);
                throw e;
            }
            return new RequestLimits(this, List.copyOf(built), List.copyOf(owned));
        }

        private static List<Cidr> parse(String... cidrs) {
            List<Cidr> out = new ArrayList<>();
            for (String cidr : cidrs) {
                out.addAll(Cidr.parseList(cidr));
            }
            return List.copyOf(out);
        }
    }
}
