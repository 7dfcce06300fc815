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

        /** The Redis URL, or null to read {@code REDIS_URL}. */
        public @Nullable String getUrl() {
            return url;
        }

        /** Sets the Redis URL. */
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

        /** The REST endpoint, or null to read {@code UPSTASH_REDIS_REST_URL}. */
        public @Nullable String getUrl() {
            return url;
        }

        /** Sets the REST endpoint. */
        public void setUrl(@Nullable String url) {
            this.url = url;
        }

        /** The REST token, or null to read {@code UPSTASH_REDIS_REST_TOKEN}. */
        public @Nullable String getToken() {
            return token;
        }

        /** Sets the REST token. */
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

        /** Whether to configure an EmailStore bean. */
        public boolean isEnabled() {
            return enabled;
        }

        /** Sets whether to configure an EmailStore bean. */
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        /** The spool directory, or null to read {@code RATELIMIT_SPOOL_DIR}. */
        public @Nullable String getSpoolDir() {
            return spoolDir;
        }

        /** Sets the spool directory. */
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

        /** The HTTP methods, or {@code *}. */
        public List<String> getMethods() {
            return methods;
        }

        /** Sets the HTTP methods. */
        public void setMethods(List<String> methods) {
            this.methods = methods;
        }

        /** The path pattern. */
        public @Nullable String getPath() {
            return path;
        }

        /** Sets the path pattern. */
        public void setPath(@Nullable String path) {
            this.path = path;
        }

        /** The policy's name, or null when the rule has limits of its own. */
        public @Nullable String getPolicy() {
            return policy;
        }

        /** Sets the policy's name. */
        public void setPolicy(@Nullable String policy) {
            this.policy = policy;
        }

        /** The rule's own limits. */
        public List<String> getLimits() {
            return limits;
        }

        /** Sets the rule's own limits. */
        public void setLimits(List<String> limits) {
            this.limits = limits;
        }

        /** The name of the rule's own policy, or null for the one derived from the path. */
        public @Nullable String getName() {
            return name;
        }

        /** Sets the name of the rule's own policy. */
        public void setName(@Nullable String name) {
            this.name = name;
        }
    }

    /** Whether the starter configures anything. */
    public boolean isEnabled() {
        return enabled;
    }

    /** Sets whether the starter configures anything. */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** Redis settings. */
    public Redis getRedis() {
        return redis;
    }

    /** Upstash settings. */
    public Upstash getUpstash() {
        return upstash;
    }

    /** Email capture settings. */
    public Email getEmail() {
        return email;
    }

    /** The named policies' limits. */
    public Map<String, List<String>> getPolicies() {
        return policies;
    }

    /** Sets the named policies. */
    public void setPolicies(Map<String, List<String>> policies) {
        this.policies = policies;
    }

    /** The path rules in order. */
    public List<Rule> getRules() {
        return rules;
    }

    /** Sets the path rules. */
    public void setRules(List<Rule> rules) {
        this.rules = rules;
    }

    /** The failure policy. */
    public FailurePolicy getFailurePolicy() {
        return failurePolicy;
    }

    /** Sets the failure policy. */
    public void setFailurePolicy(FailurePolicy failurePolicy) {
        this.failurePolicy = failurePolicy;
    }

    /** The decision deadline, or null for the backends' own. */
    public @Nullable Duration getDeadline() {
        return deadline;
    }

    /** Sets the decision deadline. */
    public void setDeadline(@Nullable Duration deadline) {
        this.deadline = deadline;
    }

    /** How long start-up waits for the servers, or null not to wait. */
    public @Nullable Duration getAwaitConnection() {
        return awaitConnection;
    }

    /** Sets how long start-up waits for the servers. */
    public void setAwaitConnection(@Nullable Duration awaitConnection) {
        this.awaitConnection = awaitConnection;
    }

    /** The block cache's size per limiter. */
    public int getBlockCache() {
        return blockCache;
    }

    /** Sets the block cache's size per limiter. */
    public void setBlockCache(int blockCache) {
        this.blockCache = blockCache;
    }

    /** Who a request counts against. */
    public String getKey() {
        return key;
    }

    /** Sets who a request counts against. */
    public void setKey(String key) {
        this.key = key;
    }

    /** The trusted proxies. */
    public List<String> getTrustedProxies() {
        return trustedProxies;
    }

    /** Sets the trusted proxies. */
    public void setTrustedProxies(List<String> trustedProxies) {
        this.trustedProxies = trustedProxies;
    }

    /** The forwarding header read behind a trusted proxy. */
    public ForwardedHeader getForwardedHeader() {
        return forwardedHeader;
    }

    /** Sets the forwarding header. */
    public void setForwardedHeader(ForwardedHeader forwardedHeader) {
        this.forwardedHeader = forwardedHeader;
    }

    /** The exempt clients. */
    public List<String> getExempt() {
        return exempt;
    }

    /** Sets the exempt clients. */
    public void setExempt(List<String> exempt) {
        this.exempt = exempt;
    }

    /** The IPv6 prefix that identifies a client. */
    public int getIpv6Prefix() {
        return ipv6Prefix;
    }

    /** Sets the IPv6 prefix. */
    public void setIpv6Prefix(int ipv6Prefix) {
        this.ipv6Prefix = ipv6Prefix;
    }

    /** Whether denials are only reported. */
    public boolean isDryRun() {
        return dryRun;
    }

    /** Sets whether denials are only reported. */
    public void setDryRun(boolean dryRun) {
        this.dryRun = dryRun;
    }

    /** The quota headers. */
    public Headers getHeaders() {
        return headers;
    }

    /** Sets the quota headers. */
    public void setHeaders(Headers headers) {
        this.headers = headers;
    }

    /** The 429 problem's type URI. */
    public String getProblemType() {
        return problemType;
    }

    /** Sets the 429 problem's type URI. */
    public void setProblemType(String problemType) {
        this.problemType = problemType;
    }

    /** The filter's order. */
    public int getFilterOrder() {
        return filterOrder;
    }

    /** Sets the filter's order. */
    public void setFilterOrder(int filterOrder) {
        this.filterOrder = filterOrder;
    }
}
