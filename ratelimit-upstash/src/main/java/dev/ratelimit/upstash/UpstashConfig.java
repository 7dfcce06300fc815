package dev.ratelimit.upstash;

import dev.ratelimit.spi.Checks;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Where Upstash's REST API is and how to talk to it: the URL and token (from
 * {@code UPSTASH_REDIS_REST_URL} and {@code UPSTASH_REDIS_REST_TOKEN}), timeouts, and auto-batching.
 * Immutable; the token never appears in {@link #toString()}.
 */
public final class UpstashConfig {

    /** The environment variable holding the REST URL. */
    public static final String URL_VARIABLE = "UPSTASH_REDIS_REST_URL";
    /** The environment variable holding the token. */
    public static final String TOKEN_VARIABLE = "UPSTASH_REDIS_REST_TOKEN";

    private final URI url;
    private final String token;
    private final Duration requestTimeout;
    private final Duration connectTimeout;
    private final boolean batching;
    private final int maxBatchSize;
    private final Duration linger;
    private final int maxConcurrentRequests;
    private final boolean allowKeyLocking;
    private final int requestedMaxConcurrentRequests;

    private UpstashConfig(Builder b) {
        this.requestedMaxConcurrentRequests = b.maxConcurrentRequests;
        this.url = b.url;
        this.token = b.token;
        this.requestTimeout = b.requestTimeout;
        this.connectTimeout = b.connectTimeout;
        this.batching = b.batching;
        this.maxBatchSize = b.maxBatchSize;
        this.linger = b.linger;
        this.maxConcurrentRequests = b.maxConcurrentRequests > 0 ? b.maxConcurrentRequests : b.batching ? 8 : 64;
        this.allowKeyLocking = b.allowKeyLocking;
    }

    /**
     * {@return a builder holding this configuration, to change some of it} Each option may be set
     * once there.
     */
    public Builder toBuilder() {
        Builder b = new Builder(url, token);
        b.requestTimeout = requestTimeout;
        b.connectTimeout = connectTimeout;
        b.batching = batching;
        b.maxBatchSize = maxBatchSize;
        b.linger = linger;
        b.maxConcurrentRequests = requestedMaxConcurrentRequests;
        b.allowKeyLocking = allowKeyLocking;
        return b;
    }

    /**
     * {@return the configuration in the environment, or empty when neither variable is set} A
     * variable set to blanks counts as unset; the values are stripped of surrounding whitespace.
     *
     * @throws IllegalArgumentException when only one is set, or the URL or the token is malformed
     *     (naming the variable; never the token)
     */
    public static Optional<UpstashConfig> fromEnvironment() {
        return fromEnvironment(System::getenv);
    }

    /**
     * {@return the configuration {@link #fromEnvironment()} finds, reading variables through
     * {@code env}}
     *
     * @param env the value of a variable by name, {@code null} when it is unset
     * @throws IllegalArgumentException when only one is set, or the URL or the token is malformed
     *     (naming the variable; never the token)
     */
    public static Optional<UpstashConfig> fromEnvironment(UnaryOperator<String> env) {
        String url = env.apply(URL_VARIABLE);
        String token = env.apply(TOKEN_VARIABLE);
        url = url == null ? null : url.strip();
        token = token == null ? null : token.strip();
        boolean hasUrl = url != null && !url.isBlank();
        boolean hasToken = token != null && !token.isBlank();
        if (!hasUrl && !hasToken) {
            return Optional.empty();
        }
        if (url == null || !hasUrl) {
            throw new IllegalArgumentException(TOKEN_VARIABLE + " is set but " + URL_VARIABLE + " is not");
        }
        if (token == null || !hasToken) {
            throw new IllegalArgumentException(URL_VARIABLE + " is set but " + TOKEN_VARIABLE + " is not");
        }
        return Optional.of(builder(url, token).build());
    }

    /**
     * {@return a builder for the REST API at {@code url} with {@code token}}
     *
     * @param url the REST endpoint, such as {@code https://example.upstash.io}: {@code https://}
     *     (or {@code http://}, meant for a local server), a host, no user info or query; surrounding
     *     whitespace and trailing slashes are dropped
     * @param token the REST token; surrounding whitespace is dropped
     * @throws IllegalArgumentException if the URL is not an http(s) URL with a host, or has user
     *     info or a query; or if the token is empty or holds whitespace or characters that cannot
     *     go in an HTTP header (naming the variable; never the token)
     */
    public static Builder builder(String url, String token) {
        return new Builder(url, token);
    }

    URI url() {
        return url;
    }

    String token() {
        return token;
    }

    Duration requestTimeout() {
        return requestTimeout;
    }

    Duration connectTimeout() {
        return connectTimeout;
    }

    boolean batching() {
        return batching;
    }

    int maxBatchSize() {
        return maxBatchSize;
    }

    Duration linger() {
        return linger;
    }

    int maxConcurrentRequests() {
        return maxConcurrentRequests;
    }

    boolean allowKeyLocking() {
        return allowKeyLocking;
    }

    /** Configurations are equal when every setting, the token included, is. */
    @Override
    public boolean equals(Object o) {
        return o instanceof UpstashConfig c
                && url.equals(c.url)
                && token.equals(c.token)
                && requestTimeout.equals(c.requestTimeout)
                && connectTimeout.equals(c.connectTimeout)
                && batching == c.batching
                && maxBatchSize == c.maxBatchSize
                && linger.equals(c.linger)
                && maxConcurrentRequests == c.maxConcurrentRequests
                && allowKeyLocking == c.allowKeyLocking;
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                url,
                token,
                requestTimeout,
                connectTimeout,
                batching,
                maxBatchSize,
                linger,
                maxConcurrentRequests,
                allowKeyLocking);
    }

    /** {@return the URL without path or query, for messages: {@code https://host}} */
    public String describe() {
        return url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort());
    }

    @Override
    public String toString() {
        return "UpstashConfig[" + describe() + ", token=***, "
                + (batching
                        ? "batching up to " + maxBatchSize + ", linger " + linger.toMillis() + " ms"
                        : "no batching")
                + ", " + maxConcurrentRequests + " concurrent requests]";
    }

    /** Configures an {@link UpstashConfig}; every option may be set once. */
    public static final class Builder {
        private final URI url;
        private final String token;
        private final java.util.Set<String> set = new java.util.HashSet<>();
        private boolean allowKeyLocking = true;
        private Duration requestTimeout = Duration.ofSeconds(1);
        private Duration connectTimeout = Duration.ofSeconds(1);
        private boolean batching = true;
        private int maxBatchSize = 100;
        private Duration linger = Duration.ZERO;
        private int maxConcurrentRequests;

        private Builder(String url, String token) {
            this(parse(url), token);
        }

        private Builder(URI url, String token) {
            this.url = url;
            if (token == null || token.isBlank()) {
                throw new IllegalArgumentException(TOKEN_VARIABLE + " is empty");
            }
            token = token.strip();
            if (token.chars().anyMatch(c -> c <= ' ' || c >= 127)) {
                throw new IllegalArgumentException(
                        TOKEN_VARIABLE + " contains whitespace or characters that " + "cannot go in an HTTP header");
            }
            this.token = token;
        }

        private static URI parse(String url) {
            if (url == null || url.isBlank()) {
                throw new IllegalArgumentException(URL_VARIABLE + " is empty");
            }
            URI uri;
            try {
                uri = new URI(url.strip());
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException(URL_VARIABLE + " is not a URL: " + e.getReason());
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("https") && !scheme.equals("http")) {
                throw new IllegalArgumentException(
                        URL_VARIABLE + " must start with https:// (or http:// for a " + "local server)");
            }
            if (uri.getHost() == null) {
                throw new IllegalArgumentException(URL_VARIABLE + " names no host");
            }
            if (uri.getRawUserInfo() != null || uri.getRawQuery() != null) {
                throw new IllegalArgumentException(URL_VARIABLE + " must be the bare endpoint, such as "
                        + "https://example.upstash.io: put the token in " + TOKEN_VARIABLE);
            }
            String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceAll("/+$", "");
            return URI.create(scheme + "://" + uri.getRawAuthority() + path);
        }

        /**
         * How long one HTTP request may take (default 1 s); also the connection's
         * {@linkplain UpstashConnection#deadline() deadline}.
         *
         * @param timeout a positive duration
         * @return this builder
         * @throws IllegalArgumentException if {@code timeout} is zero or negative
         * @throws IllegalStateException if it was already set
         */
        public Builder requestTimeout(Duration timeout) {
            once("requestTimeout");
            this.requestTimeout = Checks.positive(timeout, "requestTimeout");
            return this;
        }

        /**
         * How long opening a connection may take (default 1 s).
         *
         * @param timeout a positive duration
         * @return this builder
         * @throws IllegalArgumentException if {@code timeout} is zero or negative
         * @throws IllegalStateException if it was already set
         */
        public Builder connectTimeout(Duration timeout) {
            once("connectTimeout");
            this.connectTimeout = Checks.positive(timeout, "connectTimeout");
            return this;
        }

        /**
         * Whether concurrent calls share one {@code /pipeline} request (default true). Off, every
         * call is its own request.
         *
         * @param batching false to send every call as its own request
         * @return this builder
         * @throws IllegalStateException if it was already set
         */
        public Builder batching(boolean batching) {
            once("batching");
            this.batching = batching;
            return this;
        }

        /**
         * The most commands in one pipeline request (default 100); used only with batching.
         *
         * @param size from 1 to 1000
         * @return this builder
         * @throws IllegalArgumentException if {@code size} is out of range
         * @throws IllegalStateException if it was already set
         */
        public Builder maxBatchSize(int size) {
            once("maxBatchSize");
            if (size < 1 || size > 1000) {
                throw new IllegalArgumentException("maxBatchSize must be between 1 and 1000; got " + size);
            }
            this.maxBatchSize = size;
            return this;
        }

        /**
         * How long a call may wait for others to join its batch when a request could be sent at once
         * (default zero: batches form only while requests are in flight, so a lone call is never
         * held back).
         *
         * @param linger from zero to 1 s
         * @return this builder
         * @throws IllegalArgumentException if {@code linger} is negative or longer than 1 s
         * @throws IllegalStateException if it was already set
         */
        public Builder linger(Duration linger) {
            once("linger");
            Objects.requireNonNull(linger, "linger");
            if (linger.isNegative() || linger.compareTo(Duration.ofSeconds(1)) > 0) {
                throw new IllegalArgumentException("linger must be between 0 and 1 s; got " + linger);
            }
            this.linger = linger;
            return this;
        }

        /**
         * The most HTTP requests in flight at once; further calls wait in the queue. With batching
         * a second request goes out only once a full batch is waiting, so this bounds heavy load.
         * Default 8 with batching, 64 without.
         *
         * @param max from 1 to 256
         * @return this builder
         * @throws IllegalArgumentException if {@code max} is out of range
         * @throws IllegalStateException if it was already set
         */
        public Builder maxConcurrentRequests(int max) {
            once("maxConcurrentRequests");
            if (max < 1 || max > 256) {
                throw new IllegalArgumentException("maxConcurrentRequests must be between 1 and 256; got " + max);
            }
            this.maxConcurrentRequests = max;
            return this;
        }

        /**
         * Whether scripts declare {@code #!lua flags=allow-key-locking}, so Upstash runs them under
         * per-key locks instead of its global script lock (default true). Turn it off for a REST
         * proxy in front of stock Redis, which refuses the flag.
         *
         * @param allow false to send the scripts without the flag
         * @return this builder
         * @throws IllegalStateException if it was already set
         */
        public Builder allowKeyLocking(boolean allow) {
            once("allowKeyLocking");
            this.allowKeyLocking = allow;
            return this;
        }

        /**
         * Builds the configuration.
         *
         * @return the configuration, which holds nothing the builder can still change
         */
        public UpstashConfig build() {
            return new UpstashConfig(this);
        }

        private void once(String option) {
            if (!set.add(option)) {
                throw new IllegalStateException("UpstashConfig.builder: " + option + " was already set");
            }
        }
    }
}
