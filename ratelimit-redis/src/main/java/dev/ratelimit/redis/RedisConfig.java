package dev.ratelimit.redis;

import dev.ratelimit.spi.Checks;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Where and how to reach Redis: standalone, Sentinel or Cluster, with optional ACL user, password,
 * TLS and database, plus the fail-fast client settings. Immutable; build it from a URL or a builder:
 *
 * <pre>{@code
 * RedisConfig config = RedisConfig.fromUrl(System.getenv("REDIS_URL"));
 * RedisConfig tls = RedisConfig.builder().endpoint("redis.internal", 6380).tls(true)
 *         .caCertificate(Path.of("/etc/ssl/redis-ca.pem")).password(secret).build();
 * }</pre>
 *
 * <p>URL forms ({@link #fromUrl}):
 * <ul>
 *   <li>{@code redis://[user:password@]host[:port][/db]}, {@code rediss://…} for TLS;
 *   <li>{@code redis://host1:p1,host2:p2,…} or {@code redis://host:p?cluster=true} for a Cluster;
 *   <li>{@code redis-sentinel://[user:password@]s1:26379,s2:26379[/db]#masterName}
 *       ({@code rediss-sentinel://} for TLS);
 *   <li>IPv6 literals in brackets: {@code redis://[::1]:6379};
 *   <li>options: {@code ?cluster=true}, {@code ?verify=full|ca|none} (TLS peer verification,
 *       default full), {@code ?ca=/path/to/ca.pem} (PEM authority to trust).
 * </ul>
 * The user name and password are percent-encoded: a {@code #} in a password is written {@code %23},
 * {@code %} is {@code %25}, {@code @} is {@code %40}, {@code /} is {@code %2F}, {@code ?} is {@code %3F}.
 *
 * <p>The password never appears in {@link #toString()}, logs or exception messages; URLs are shown
 * masked, as {@code redis://default:***@host:6379}.
 */
public final class RedisConfig {

    /** How the servers are organised. */
    public enum Mode {
        /** One server (or a managed endpoint in front of several). */
        STANDALONE,
        /** Sentinels that name the current master. */
        SENTINEL,
        /** A Redis Cluster, reached through a list of seed nodes. */
        CLUSTER
    }

    /** How a TLS client checks the server. */
    public enum TlsVerify {
        /** The certificate chains to a trusted authority and names the host. The default. */
        FULL,
        /** The certificate chains to a trusted authority; the host name is not checked. */
        CA,
        /** Nothing is checked: encryption without authentication. Only for tests. */
        NONE
    }

    /** One server address. */
    record Endpoint(String host, int port) {
        @Override
        public String toString() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /** {@code scheme://user:password@} or {@code scheme://userinfo@}: groups scheme, user, password. */
    private static final Pattern URL_USERINFO =
            Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*://)([^\\s/?#@:]*)(:[^\\s/?#]*)?@");
    /** {@code password=value}, {@code "password": "value"}, {@code sentinelPassword='value'}…: group 4 is the value. */
    private static final Pattern CREDENTIAL_FIELD = Pattern.compile(
            "(?i)(?<![A-Za-z0-9])([\"']?)([A-Za-z0-9_.-]*?(?:password|passwd|pwd|secret|token|requirepass|masterauth))\\1"
                    + "(\\s*[=:]\\s*)(\"(?:[^\"\\\\]|\\\\.)*\"|'[^']*'|[^\\s,;&)}\\]\"']+)");
    /**
     * {@code 'AUTH' 'user' 'password' …} as a server echoes a command's arguments in an error (Redis
     * quotes each one, without escaping, so the password's end cannot be found): the rest of the
     * line after it.
     */
    private static final Pattern AUTH_ARGUMENTS = Pattern.compile("(?i)(([`'\"])AUTH\\2)[\\s,]+[^\\r\\n]*");

    private final Mode mode;
    private final List<Endpoint> endpoints;
    private final @Nullable String sentinelMaster;
    private final @Nullable String username;
    private final @Nullable String password;
    private final int database;
    private final boolean tls;
    private final TlsVerify tlsVerify;
    private final @Nullable Path caCertificate;
    private final Duration connectTimeout;
    private final Duration commandTimeout;
    private final int requestQueueSize;

    private RedisConfig(Builder b, Mode mode) {
        this.mode = mode;
        this.endpoints = List.copyOf(b.endpoints);
        this.sentinelMaster = b.sentinelMaster;
        this.username = b.username;
        this.password = b.password;
        this.database = b.database;
        this.tls = b.tls;
        this.tlsVerify = b.tlsVerify;
        this.caCertificate = b.caCertificate;
        this.connectTimeout = b.connectTimeout;
        this.commandTimeout = b.commandTimeout;
        this.requestQueueSize = b.requestQueueSize;
    }

    /** Configurations are equal when every setting, the password included, is. */
    @Override
    public boolean equals(Object o) {
        return o instanceof RedisConfig c
                && mode == c.mode
                && endpoints.equals(c.endpoints)
                && Objects.equals(sentinelMaster, c.sentinelMaster)
                && Objects.equals(username, c.username)
                && Objects.equals(password, c.password)
                && database == c.database
                && tls == c.tls
                && tlsVerify == c.tlsVerify
                && Objects.equals(caCertificate, c.caCertificate)
                && connectTimeout.equals(c.connectTimeout)
                && commandTimeout.equals(c.commandTimeout)
                && requestQueueSize == c.requestQueueSize;
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                mode,
                endpoints,
                sentinelMaster,
                username,
                password,
                database,
                tls,
                tlsVerify,
                caCertificate,
                connectTimeout,
                commandTimeout,
                requestQueueSize);
    }

    /**
     * Parses a {@code REDIS_URL}.
     *
     * @param url the URL, in one of the forms the class description lists; surrounding whitespace
     *     is ignored
     * @return the configuration, with the default client settings
     * @throws IllegalArgumentException naming what is wrong (and the percent-encoding to use for a
     *     character that must be encoded), never containing the password
     */
    public static RedisConfig fromUrl(String url) {
        return RedisUrl.parse(url).build();
    }

    /** {@return an empty builder: add at least one {@link Builder#endpoint endpoint}} */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * {@return a builder holding this configuration, to change some of it} Every option of the new
     * builder may be set once more; {@link Builder#endpoint} adds to the endpoints it holds.
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.mode = mode;
        b.endpoints.addAll(endpoints);
        b.sentinelMaster = sentinelMaster;
        b.username = username;
        b.password = password;
        b.database = database;
        b.tls = tls;
        b.tlsVerify = tlsVerify;
        b.caCertificate = caCertificate;
        b.connectTimeout = connectTimeout;
        b.commandTimeout = commandTimeout;
        b.requestQueueSize = requestQueueSize;
        return b;
    }

    /**
     * {@return how the servers are organised} A standalone configuration with several endpoints is
     * built as a {@link Mode#CLUSTER}.
     */
    public Mode mode() {
        return mode;
    }

    List<Endpoint> endpoints() {
        return endpoints;
    }

    @Nullable
    String sentinelMaster() {
        return sentinelMaster;
    }

    @Nullable
    String username() {
        return username;
    }

    @Nullable
    String password() {
        return password;
    }

    int database() {
        return database;
    }

    boolean tls() {
        return tls;
    }

    TlsVerify tlsVerify() {
        return tlsVerify;
    }

    @Nullable
    Path caCertificate() {
        return caCertificate;
    }

    /** {@return how long opening a connection may take} */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** {@return how long one command may take before the client fails it} */
    public Duration commandTimeout() {
        return commandTimeout;
    }

    int requestQueueSize() {
        return requestQueueSize;
    }

    /** {@return the configuration as a URL with the password replaced by {@code ***}} */
    public String maskedUrl() {
        StringBuilder url = new StringBuilder(
                mode == Mode.SENTINEL
                        ? (tls ? "rediss-sentinel://" : "redis-sentinel://")
                        : (tls ? "rediss://" : "redis://"));
        if (username != null || password != null) {
            url.append(username == null ? "" : RedisUrl.encode(username))
                    .append(password == null ? "" : ":***")
                    .append('@');
        }
        url.append(endpoints.stream().map(Endpoint::toString).collect(Collectors.joining(",")));
        if (database != 0) {
            url.append('/').append(database);
        }
        List<String> options = new ArrayList<>();
        if (mode == Mode.CLUSTER && endpoints.size() == 1) {
            options.add("cluster=true");
        }
        if (tls && tlsVerify != TlsVerify.FULL) {
            options.add("verify=" + tlsVerify.name().toLowerCase(java.util.Locale.ROOT));
        }
        if (caCertificate != null) {
            options.add("ca=" + caCertificate);
        }
        if (!options.isEmpty()) {
            url.append('?').append(String.join("&", options));
        }
        if (mode == Mode.SENTINEL) {
            url.append('#').append(sentinelMaster);
        }
        return url.toString();
    }

    /**
     * {@code text} with every password it shows replaced by {@code ***}: the password in any URL's
     * user info ({@code redis://user:***@host}; user info without a {@code :} is masked whole, as
     * Redis URLs read it as a password), the value of a credential field ({@code password=***},
     * {@code "password":"***"}), and the arguments after a quoted {@code AUTH} in an argument list
     * a server echoes back. Nothing else in the line changes: a word that equals a password is
     * left alone, so masking never points at the password. Lettuce's own exception messages name
     * hosts, never credentials; server errors are passed on verbatim, hence the last rule.
     */
    static @Nullable String mask(@Nullable String text) {
        if (text == null) {
            return null;
        }
        Matcher url = URL_USERINFO.matcher(text);
        StringBuilder out = new StringBuilder(text.length());
        while (url.find()) {
            String userinfo = url.group(3) == null ? "***" : url.group(2) + ":***";
            url.appendReplacement(out, Matcher.quoteReplacement(url.group(1) + userinfo + "@"));
        }
        url.appendTail(out);
        Matcher field = CREDENTIAL_FIELD.matcher(out.toString());
        out.setLength(0);
        while (field.find()) {
            String value = field.group(4);
            char quote = value.charAt(0);
            String masked = quote == '"' || quote == '\'' ? quote + "***" + quote : "***";
            field.appendReplacement(
                    out,
                    Matcher.quoteReplacement(
                            field.group(1) + field.group(2) + field.group(1) + field.group(3) + masked));
        }
        field.appendTail(out);
        return AUTH_ARGUMENTS.matcher(out.toString()).replaceAll("$1 ***");
    }

    @Override
    public String toString() {
        return "RedisConfig[" + maskedUrl() + "]";
    }

    /** Configures a {@link RedisConfig}; every option may be set once; {@link #build()} validates and copies. */
    public static final class Builder {
        private Mode mode = Mode.STANDALONE;
        private final List<Endpoint> endpoints = new ArrayList<>();
        private @Nullable String sentinelMaster;
        private @Nullable String username;
        private @Nullable String password;
        private int database;
        private boolean tls;
        private TlsVerify tlsVerify = TlsVerify.FULL;
        private @Nullable Path caCertificate;
        private Duration connectTimeout = Duration.ofSeconds(1);
        private Duration commandTimeout = Duration.ofSeconds(1);
        private int requestQueueSize = 10_000;
        private final java.util.Set<String> set = new java.util.HashSet<>();

        Builder() {}

        /**
         * Adds a server (a Cluster seed, a Sentinel, or the one standalone server); may be called
         * more than once. With several endpoints and neither {@link #cluster()} nor
         * {@link #sentinel}, the configuration is a Cluster.
         *
         * @param host a host name or an IP address; an IPv6 literal may be written in brackets
         * @param port from 1 to 65535
         * @return this builder
         * @throws IllegalArgumentException if the host is empty or the port out of range
         */
        public Builder endpoint(String host, int port) {
            Objects.requireNonNull(host, "host");
            if (host.isEmpty() || port < 1 || port > 65_535) {
                throw new IllegalArgumentException(
                        "an endpoint needs a host and a port from 1 to 65535; got \"" + host + "\":" + port);
            }
            endpoints.add(new Endpoint(
                    host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host, port));
            return this;
        }

        /**
         * Treats the endpoints as Cluster seeds.
         *
         * @return this builder
         * @throws IllegalStateException if it was already called
         */
        public Builder cluster() {
            once("cluster");
            this.mode = Mode.CLUSTER;
            return this;
        }

        /**
         * Treats the endpoints as Sentinels that know the master named {@code master}.
         *
         * @param master the name under which the Sentinels know the master; not null, and
         *     {@link #build()} refuses it empty
         * @return this builder
         * @throws IllegalStateException if it was already called
         */
        public Builder sentinel(String master) {
            once("sentinel");
            this.mode = Mode.SENTINEL;
            this.sentinelMaster = Objects.requireNonNull(master, "master");
            return this;
        }

        /**
         * The ACL user name (default: none, which Redis takes as {@code default}).
         *
         * @param username the user name, as is (not percent-encoded), or {@code null} for none; a
         *     user name needs a {@link #password}
         * @return this builder
         * @throws IllegalStateException if the user name was already set
         */
        public Builder username(@Nullable String username) {
            once("username");
            this.username = username;
            return this;
        }

        /**
         * The password (default: none).
         *
         * @param password the password, as is (not percent-encoded), or {@code null} for none
         * @return this builder
         * @throws IllegalStateException if the password was already set
         */
        public Builder password(@Nullable String password) {
            once("password");
            this.password = password;
            return this;
        }

        /**
         * The database index, for standalone and Sentinel (default 0).
         *
         * @param database the index, 0 or more; a Cluster has only database 0
         * @return this builder
         * @throws IllegalArgumentException if {@code database} is negative
         * @throws IllegalStateException if the database was already set
         */
        public Builder database(int database) {
            once("database");
            if (database < 0) {
                throw new IllegalArgumentException("database index must be >= 0; got " + database);
            }
            this.database = database;
            return this;
        }

        /**
         * Whether to speak TLS (default false).
         *
         * @param tls true for TLS
         * @return this builder
         * @throws IllegalStateException if it was already set
         */
        public Builder tls(boolean tls) {
            once("tls");
            this.tls = tls;
            return this;
        }

        /**
         * How to check the server's certificate (default {@link TlsVerify#FULL}); used only with
         * TLS.
         *
         * @param verify how much of the certificate to check; not null
         * @return this builder
         * @throws IllegalStateException if it was already set
         */
        public Builder tlsVerify(TlsVerify verify) {
            once("tlsVerify");
            this.tlsVerify = Objects.requireNonNull(verify, "verify");
            return this;
        }

        /**
         * A PEM file of the authorities to trust, instead of the JDK's default trust store.
         *
         * @param pem the file, or {@code null} for the default trust store; only with TLS
         * @return this builder
         * @throws IllegalStateException if it was already set
         */
        public Builder caCertificate(@Nullable Path pem) {
            once("caCertificate");
            this.caCertificate = pem;
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
         * How long one command may take before the client fails it (default 1 s).
         *
         * @param timeout a positive duration
         * @return this builder
         * @throws IllegalArgumentException if {@code timeout} is zero or negative
         * @throws IllegalStateException if it was already set
         */
        public Builder commandTimeout(Duration timeout) {
            once("commandTimeout");
            this.commandTimeout = Checks.positive(timeout, "commandTimeout");
            return this;
        }

        /**
         * How many commands may wait on one connection (default 10,000); beyond it, commands fail
         * at once instead of queueing behind a stalled server.
         *
         * @param size the bound on waiting commands, at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code size < 1}
         * @throws IllegalStateException if it was already set
         */
        public Builder requestQueueSize(int size) {
            once("requestQueueSize");
            if (size < 1) {
                throw new IllegalArgumentException("requestQueueSize must be >= 1; got " + size);
            }
            this.requestQueueSize = size;
            return this;
        }

        /**
         * Builds the configuration.
         *
         * @return the configuration, which holds nothing the builder can still change
         * @throws IllegalStateException if no endpoint was given
         * @throws IllegalArgumentException if it is inconsistent: a database other than 0 on a
         *     Cluster, a Sentinel configuration without a master name, a CA certificate without
         *     TLS, or a user name without a password
         */
        public RedisConfig build() {
            if (endpoints.isEmpty()) {
                throw new IllegalStateException("a RedisConfig needs an endpoint: call endpoint(host, port)");
            }
            Mode mode = this.mode == Mode.STANDALONE && endpoints.size() > 1 ? Mode.CLUSTER : this.mode;
            if (mode == Mode.CLUSTER && database != 0) {
                throw new IllegalArgumentException("Redis Cluster has only database 0; got database " + database);
            }
            if (mode == Mode.SENTINEL && (sentinelMaster == null || sentinelMaster.isEmpty())) {
                throw new IllegalArgumentException("a Sentinel configuration needs the master's name");
            }
            if (caCertificate != null && !tls) {
                throw new IllegalArgumentException("a CA certificate is given but TLS is off: use rediss://");
            }
            if (username != null && password == null) {
                throw new IllegalArgumentException(
                        "a user name is given without a password: Redis authenticates a user with both");
            }
            return new RedisConfig(this, mode);
        }

        private void once(String option) {
            if (!set.add(option)) {
                throw new IllegalStateException("RedisConfig.builder: " + option + " was already set");
            }
        }
    }
}
