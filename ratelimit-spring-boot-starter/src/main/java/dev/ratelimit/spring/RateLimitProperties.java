package dev.ratelimit.spring;

import dev.ratelimit.FailurePolicy;
import dev.ratelimit.http.ForwardedHeader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code ratelimit.*} properties:
 *
 * <pre>
 * ratelimit:
 *   redis.url: redis://default:secret@redis.internal:6379   # else REDIS_URL
 *   upstash:                                               # else UPSTASH_REDIS_REST_URL and _TOKEN
 *     url: https://eu1-example.upstash.io
 *     token: ...
 *   policies:
 *     generate: 5/1h
 *     search: 100/1m sliding, 10/1s token-bucket burst 20
 *   rules:
 *     - methods: POST
 *       path: /api/generate
 *       policy: generate
 *     - path: /api/search/*
 *       limits: 100/1m sliding
 *   trusted-proxies: 10.0.0.0/8
 * </pre>
 *
 * <p>Without a server configured, limits and addresses are kept in this JVM's memory.
 */
@ConfigurationProperties("ratelimit")
public class RateLimitProperties {

    /** Whether to configure anything at all. */
    private boolean enabled = true;

    /** Redis. */
    private final Redis redis = new Redis();

    /** Upstash's REST API. */
    private final Upstash upstash = new Upstash();

    /** Email capture. */
    private final Email email = new Email();

    /**
     * Named policies: the limits a policy's requests must all pass, written as in a rule, such as
     * {@code 5/1h} or {@code 100/1m sliding, 10/1s token-bucket burst 20}. Rules and
     * {@code @RateLimited} name them.
     */
    private Map<String, List<String>> policies = new LinkedHashMap<>();

    /** Path rules for the servlet filter or the WebFlux filter, tried in order; the first match decides. */
    private List<Rule> rules = new ArrayList<>();

    /** What to answer when no backend can: fail-open (allow) or fail-closed (deny). */
    private FailurePolicy failurePolicy = FailurePolicy.FAIL_OPEN;

    /** The longest a decision may take across every backend; default: the sum of their own deadlines. */
    private @Nullable Duration deadline;

    /** How long start-up waits for the configured servers to answer; default: it does not wait. */
    private @Nullable Duration awaitConnection;

    /** Keys in each limiter's local cache of denied keys (0 turns it off). */
    private int blockCache = 10_000;

    /** Who a request counts against: ip, header:NAME (such as header:X-Api-Key) or principal. */
    private String key = "ip";

    /** The proxies whose forwarding header is believed, as CIDRs. */
    private List<String> trustedProxies = new ArrayList<>();

    /** The header the trusted proxies append the client to; the other one is ignored. */
    private ForwardedHeader forwardedHeader = ForwardedHeader.X_FORWARDED_FOR;

    /** Clients that are never limited, as CIDRs. */
    private List<String> exempt = new ArrayList<>();

    /** How many leading bits of an IPv6 address identify one client. */
    private int ipv6Prefix = 64;

    /** Decide, log and add headers, but never block: for rolling a limit out safely. */
    private boolean dryRun;

    /** The quota headers: ietf (RateLimit-Policy and RateLimit), legacy (X-RateLimit-*) or none. */
    private Headers headers = Headers.IETF;

    /** The type URI of the 429 problem body. */
    private String problemType = "about:blank";

    /** The order of the servlet filter or WebFlux filter among the others. */
    private int filterOrder;

    /** The quota headers a response carries. */
    public enum Headers {
        /** {@code RateLimit-Policy} and {@code RateLimit}, draft-ietf-httpapi-ratelimit-headers-10. */
        IETF,
        /** {@code X-RateLimit-Limit}, {@code X-RateLimit-Remaining} and {@code X-RateLimit-Reset}. */
        LEGACY,
        /** None ({@code Retry-After} still goes with a 429). */
        NONE
    }

    /** Redis settings. */
    public static class Redis {
        /** The Redis URL, such as redis://user:password@host:6379 (a password percent-encoded); else REDIS_URL. */
        private @Nullable String url;

        /** {@return the Redis URL, or null to read {@code REDIS_URL} from Spring's environment} */
        public @Nullable String getUrl() {
            return url;
        }

        /**
         * Sets the Redis URL.
         *
         * @param url such as {@code redis://user:password@host:6379}, the password percent-encoded;
         *     null to read {@code REDIS_URL}
         */
        public void setUrl(@Nullable String url) {
            this.url = url;
        }
    }

    /** Upstash settings. */
    public static class Upstash {
        /** The REST endpoint, such as https://eu1-example.upstash.io; else UPSTASH_REDIS_REST_URL. */
        private @Nullable String url;

        /** The REST token; else UPSTASH_REDIS_REST_TOKEN. */
        private @Nullable String token;

        /**
         * {@return the REST endpoint, or null to read {@code UPSTASH_REDIS_REST_URL} from Spring's
         * environment}
         */
        public @Nullable String getUrl() {
            return url;
        }

        /**
         * Sets the REST endpoint.
         *
         * @param url such as {@code https://eu1-example.upstash.io}; null to read
         *     {@code UPSTASH_REDIS_REST_URL}
         */
        public void setUrl(@Nullable String url) {
            this.url = url;
        }

        /**
         * {@return the REST token, or null to read {@code UPSTASH_REDIS_REST_TOKEN} from Spring's
         * environment}
         */
        public @Nullable String getToken() {
            return token;
        }

        /**
         * Sets the REST token.
         *
         * @param token the token; null to read {@code UPSTASH_REDIS_REST_TOKEN}
         */
        public void setToken(@Nullable String token) {
            this.token = token;
        }
    }

    /** Email capture settings. */
    public static class Email {
        /** Whether to configure an EmailStore bean. */
        private boolean enabled = true;

        /** Where addresses no store could take wait, on disk; else RATELIMIT_SPOOL_DIR, else ./ratelimit-spool. */
        private @Nullable String spoolDir;

        /** {@return whether to configure an {@code EmailStore} bean (default true)} */
        public boolean isEnabled() {
            return enabled;
        }

        /**
         * Sets whether to configure an {@code EmailStore} bean.
         *
         * @param enabled false for none
         */
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        /**
         * {@return the spool directory, or null to read {@code RATELIMIT_SPOOL_DIR} (without it,
         * {@code ./ratelimit-spool})}
         */
        public @Nullable String getSpoolDir() {
            return spoolDir;
        }

        /**
         * Sets the spool directory.
         *
         * @param spoolDir a directory path; null to read {@code RATELIMIT_SPOOL_DIR}
         */
        public void setSpoolDir(@Nullable String spoolDir) {
            this.spoolDir = spoolDir;
        }
    }

    /** One path rule. */
    public static class Rule {
        /** The HTTP methods, or * for all. */
        private List<String> methods = new ArrayList<>(List.of("*"));

        /** The path relative to the context: /exact, /prefix/* (which matches /prefix too), *.suffix or /*. */
        private @Nullable String path;

        /** The name of the policy that decides, from ratelimit.policies or a RateLimiter bean of yours. */
        private @Nullable String policy;

        /** Limits of the rule's own, such as 5/1h, instead of a policy. */
        private List<String> limits = new ArrayList<>();

        /** The name of the rule's own policy (with limits); default: from the path, /api/generate gives api-generate. */
        private @Nullable String name;

        /**
         * {@return the HTTP methods, an entry possibly several separated by commas; {@code *} (the
         * default) for all}
         */
        public List<String> getMethods() {
            return methods;
        }

        /**
         * Sets the HTTP methods.
         *
         * @param methods method names such as {@code GET}, in any case, or {@code *} for all
         */
        public void setMethods(List<String> methods) {
            this.methods = methods;
        }

        /** {@return the path pattern, or null if none was set (which stops start-up)} */
        public @Nullable String getPath() {
            return path;
        }

        /**
         * Sets the path pattern.
         *
         * @param path relative to the context: {@code /exact}, {@code /prefix/*} (which matches
         *     {@code /prefix} too), {@code *.suffix} or {@code /*}
         */
        public void setPath(@Nullable String path) {
            this.path = path;
        }

        /** {@return the policy's name, or null when the rule has limits of its own} */
        public @Nullable String getPolicy() {
            return policy;
        }

        /**
         * Sets the policy's name; a rule has either a policy or limits of its own.
         *
         * @param policy the name of a policy in {@code ratelimit.policies}, of a rule's own or of a
         *     {@code RateLimiter} bean
         */
        public void setPolicy(@Nullable String policy) {
            this.policy = policy;
        }

        /** {@return the rule's own limits; empty (the default) when it names a policy} */
        public List<String> getLimits() {
            return limits;
        }

        /**
         * Sets the rule's own limits; a rule has either a policy or limits of its own.
         *
         * @param limits limits written as in a rule, such as {@code 5/1h} or {@code 100/1m
         *     sliding}; a request must pass all of them
         */
        public void setLimits(List<String> limits) {
            this.limits = limits;
        }

        /**
         * {@return the name of the rule's own policy, or null for the one derived from the path}
         */
        public @Nullable String getName() {
            return name;
        }

        /**
         * Sets the name of the rule's own policy; used only with limits of its own.
         *
         * @param name a letter followed by up to 63 letters, digits, {@code .}, {@code _} or
         *     {@code -}; null to derive it from the path ({@code /api/generate} gives
         *     {@code api-generate})
         */
        public void setName(@Nullable String name) {
            this.name = name;
        }
    }

    /** {@return whether the starter configures anything (default true)} */
    public boolean isEnabled() {
        return enabled;
    }

    /**
     * Sets whether the starter configures anything.
     *
     * @param enabled false to configure nothing
     */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** {@return the Redis settings, {@code ratelimit.redis.*}} */
    public Redis getRedis() {
        return redis;
    }

    /** {@return the Upstash settings, {@code ratelimit.upstash.*}} */
    public Upstash getUpstash() {
        return upstash;
    }

    /** {@return the email capture settings, {@code ratelimit.email.*}} */
    public Email getEmail() {
        return email;
    }

    /** {@return the named policies' limits, by policy name} */
    public Map<String, List<String>> getPolicies() {
        return policies;
    }

    /**
     * Sets the named policies.
     *
     * @param policies by policy name, its limits written as in a rule, such as {@code 5/1h}; a
     *     request must pass all of a policy's limits
     */
    public void setPolicies(Map<String, List<String>> policies) {
        this.policies = policies;
    }

    /** {@return the path rules in the order they are tried} */
    public List<Rule> getRules() {
        return rules;
    }

    /**
     * Sets the path rules.
     *
     * @param rules the rules, tried in order; the first match decides
     */
    public void setRules(List<Rule> rules) {
        this.rules = rules;
    }

    /** {@return what to answer when no backend can (default {@link FailurePolicy#FAIL_OPEN})} */
    public FailurePolicy getFailurePolicy() {
        return failurePolicy;
    }

    /**
     * Sets what to answer when no backend can.
     *
     * @param failurePolicy fail-open (allow) or fail-closed (deny)
     */
    public void setFailurePolicy(FailurePolicy failurePolicy) {
        this.failurePolicy = failurePolicy;
    }

    /**
     * {@return the longest a decision may take across every backend, or null (the default) for the
     * sum of their own deadlines}
     */
    public @Nullable Duration getDeadline() {
        return deadline;
    }

    /**
     * Sets the longest a decision may take across every backend.
     *
     * @param deadline between 1 ms and 1 minute; null for the sum of the backends' own deadlines
     */
    public void setDeadline(@Nullable Duration deadline) {
        this.deadline = deadline;
    }

    /**
     * {@return how long start-up waits for the configured servers to answer, or null (the default)
     * not to wait}
     */
    public @Nullable Duration getAwaitConnection() {
        return awaitConnection;
    }

    /**
     * Sets how long start-up waits for the configured servers to answer.
     *
     * @param awaitConnection between 1 ms and 10 minutes; null not to wait
     */
    public void setAwaitConnection(@Nullable Duration awaitConnection) {
        this.awaitConnection = awaitConnection;
    }

    /**
     * {@return how many denied keys each limiter's local block cache holds (default 10,000; 0 turns
     * it off)}
     */
    public int getBlockCache() {
        return blockCache;
    }

    /**
     * Sets how many denied keys each limiter's local block cache holds.
     *
     * @param blockCache 0 or more; 0 turns the cache off
     */
    public void setBlockCache(int blockCache) {
        this.blockCache = blockCache;
    }

    /**
     * {@return who a path rule's request counts against: {@code ip} (the default),
     * {@code header:NAME} or {@code principal}}
     */
    public String getKey() {
        return key;
    }

    /**
     * Sets who a path rule's request counts against.
     *
     * @param key {@code ip}, {@code principal} or {@code header:NAME} (such as
     *     {@code header:X-Api-Key}), in any case
     */
    public void setKey(String key) {
        this.key = key;
    }

    /** {@return the proxies whose forwarding header is believed, as CIDRs (default: none)} */
    public List<String> getTrustedProxies() {
        return trustedProxies;
    }

    /**
     * Sets the proxies whose forwarding header is believed.
     *
     * @param trustedProxies CIDRs such as {@code 10.0.0.0/8}; an entry may hold several, separated
     *     by commas or whitespace
     */
    public void setTrustedProxies(List<String> trustedProxies) {
        this.trustedProxies = trustedProxies;
    }

    /**
     * {@return the forwarding header read behind a trusted proxy (default
     * {@link ForwardedHeader#X_FORWARDED_FOR})}
     */
    public ForwardedHeader getForwardedHeader() {
        return forwardedHeader;
    }

    /**
     * Sets the forwarding header read behind a trusted proxy; the other one is ignored.
     *
     * @param forwardedHeader the header the trusted proxies append the client to
     */
    public void setForwardedHeader(ForwardedHeader forwardedHeader) {
        this.forwardedHeader = forwardedHeader;
    }

    /** {@return the clients that are never limited, as CIDRs (default: none)} */
    public List<String> getExempt() {
        return exempt;
    }

    /**
     * Sets the clients that are never limited.
     *
     * @param exempt CIDRs; an entry may hold several, separated by commas or whitespace
     */
    public void setExempt(List<String> exempt) {
        this.exempt = exempt;
    }

    /** {@return how many leading bits of an IPv6 address identify one client (default 64)} */
    public int getIpv6Prefix() {
        return ipv6Prefix;
    }

    /**
     * Sets how many leading bits of an IPv6 address identify one client.
     *
     * @param ipv6Prefix 1 to 128
     */
    public void setIpv6Prefix(int ipv6Prefix) {
        this.ipv6Prefix = ipv6Prefix;
    }

    /**
     * {@return whether denials are only reported (logged, with the headers), never blocked (default
     * false)}
     */
    public boolean isDryRun() {
        return dryRun;
    }

    /**
     * Sets whether denials are only reported, never blocked.
     *
     * @param dryRun true to report denials without blocking
     */
    public void setDryRun(boolean dryRun) {
        this.dryRun = dryRun;
    }

    /** {@return the quota headers a response carries (default {@link Headers#IETF})} */
    public Headers getHeaders() {
        return headers;
    }

    /**
     * Sets the quota headers a response carries.
     *
     * @param headers which headers; {@link Headers#NONE} for none
     */
    public void setHeaders(Headers headers) {
        this.headers = headers;
    }

    /** {@return the {@code type} URI of the 429 problem body (default {@code about:blank})} */
    public String getProblemType() {
        return problemType;
    }

    /**
     * Sets the {@code type} URI of the 429 problem body.
     *
     * @param problemType an absolute URI with no quote, backslash or whitespace
     */
    public void setProblemType(String problemType) {
        this.problemType = problemType;
    }

    /** {@return the order of the servlet filter or WebFlux filter among the others (default 0)} */
    public int getFilterOrder() {
        return filterOrder;
    }

    /**
     * Sets the order of the servlet filter or WebFlux filter among the others.
     *
     * @param filterOrder the order; lower runs earlier
     */
    public void setFilterOrder(int filterOrder) {
        this.filterOrder = filterOrder;
    }
}
