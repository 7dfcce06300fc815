package dev.ratelimit.redis;

import dev.ratelimit.spi.Script;
import dev.ratelimit.spi.ScriptTransport;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.MaintNotificationsConfig;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.SslVerifyMode;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.RedisCommand;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.DefaultClientResources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Lettuce client and one shared connection, set up to fail fast: commands are rejected while
 * disconnected, the request queue is bounded, every command has a timeout, nothing is replayed
 * after a reconnect (a replayed rate-limit script would count twice), keep-alive is on and
 * reconnects are jittered. The first connection is opened asynchronously and retried in the
 * background, so an application starts while Redis is down and uses it once it is up.
 */
final class RedisConnector implements ScriptTransport, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisConnector.class);
    private static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(2);
    private static final Duration LOG_EVERY = Duration.ofSeconds(30);

    private final RedisConfig config;
    private final String purpose;
    private final ClientResources resources;
    private final AbstractRedisClient client;
    private final RedisURI standaloneUri;
    private final CompletableFuture<Void> connected = new CompletableFuture<>();
    private volatile StatefulConnection<String, String> connection;
    private volatile RedisClusterAsyncCommands<String, String> commands;
    private volatile Throwable lastFailure;
    private volatile boolean closed;
    private int attempts;
    private long lastLoggedNanos;

    RedisConnector(RedisConfig config, String purpose) {
        this.config = config;
        this.purpose = purpose;
        this.resources = DefaultClientResources.builder()
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(2)
                .reconnectDelay(Delay.fullJitter(Duration.ofMillis(20), MAX_RETRY_DELAY, 50, TimeUnit.MILLISECONDS))
                .build();
        if (config.mode() == RedisConfig.Mode.CLUSTER) {
            List<RedisURI> seeds = new ArrayList<>();
            for (RedisConfig.Endpoint endpoint : config.endpoints()) {
                seeds.add(uri(endpoint));
            }
            RedisClusterClient cluster = RedisClusterClient.create(resources, seeds);
            cluster.setOptions(ClusterClientOptions.builder(clientOptions())
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enablePeriodicRefresh(Duration.ofSeconds(30))
                            .enableAllAdaptiveRefreshTriggers()
                            .build())
                    .build());
            this.client = cluster;
            this.standaloneUri = null;
        } else {
            RedisClient redis = RedisClient.create(resources);
            redis.setOptions(clientOptions());
            this.client = redis;
            this.standaloneUri = config.mode() == RedisConfig.Mode.SENTINEL ? sentinelUri() : uri(config.endpoints().get(0));
        }
        attempt();
    }

    /** The commands of the live connection, or a failure saying why there is none yet. */
    RedisClusterAsyncCommands<String, String> commands() {
        RedisClusterAsyncCommands<String, String> c = commands;
        if (c == null) {
            throw new RedisException(notConnectedMessage());
        }
        return c;
    }

    @Override
    public CompletableFuture<Object> eval(Script script, String[] keys, String[] args) {
        RedisClusterAsyncCommands<String, String> c;
        try {
            c = commands();
        } catch (RedisException e) {
            return CompletableFuture.failedFuture(e);
        }
        ScriptOutputType type = script.reply() == Script.Reply.INTEGER ? ScriptOutputType.INTEGER : ScriptOutputType.MULTI;
        CompletableFuture<Object> sha = c.<Object>evalsha(script.sha1(), type, keys, args).toCompletableFuture();
        return sha.exceptionallyCompose(failure -> Script.isNoScript(failure)
                ? c.<Object>eval(script.source(), type, keys, args).toCompletableFuture()
                : CompletableFuture.failedFuture(failure));
    }

    @Override
    public String describe() {
        return config.maskedUrl();
    }

    /**
     * Waits until the first connection is open.
     *
     * @throws IllegalStateException with the last connection failure (password masked) if it is
     *     not open within {@code timeout}
     */
    void awaitConnection(Duration timeout) {
        try {
            connected.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Redis", e);
        } catch (Exception e) {
            throw new IllegalStateException(notConnectedMessage());
        }
    }

    boolean isConnected() {
        StatefulConnection<String, String> c = connection;
        return c != null && c.isOpen();
    }

    RedisConfig config() {
        return config;
    }

    private String notConnectedMessage() {
        if (closed) {
            return purpose + " is closed";
        }
        Throwable failure = lastFailure;
        return "not connected to Redis at " + config.maskedUrl()
                + (failure == null ? " yet" : ": " + RedisConfig.mask(describe(failure)));
    }

    private void attempt() {
        if (closed) {
            return;
        }
        CompletableFuture<? extends StatefulConnection<String, String>> pending;
        try {
            pending = client instanceof RedisClusterClient cluster
                    ? connectCluster(cluster)
                    : ((RedisClient) client).connectAsync(StringCodec.UTF8, standaloneUri).toCompletableFuture();
        } catch (RuntimeException e) {
            failed(e);
            return;
        }
        pending.whenComplete((c, failure) -> {
            if (failure != null) {
                failed(failure);
            } else if (closed) {
                c.closeAsync();
            } else {
                opened(c);
            }
        });
    }

    /**
     * Loads the topology, connects, and opens a connection to every master before the connection is
     * used: node connections are otherwise opened lazily, and with commands rejected while
     * disconnected, the first command for each node would fail.
     */
    private static CompletableFuture<StatefulRedisClusterConnection<String, String>> connectCluster(
            RedisClusterClient cluster) {
        return cluster.refreshPartitionsAsync().toCompletableFuture()
                .thenCompose(loaded -> cluster.connectAsync(StringCodec.UTF8))
                .thenCompose(c -> {
                    List<CompletableFuture<?>> nodes = new ArrayList<>();
                    for (RedisClusterNode node : c.getPartitions()) {
                        if (node.is(RedisClusterNode.NodeFlag.UPSTREAM)) {
                            // by host and port: the key under which command routing looks node connections up
                            nodes.add(c.getConnectionAsync(node.getUri().getHost(), node.getUri().getPort()));
                        }
                    }
                    return CompletableFuture.allOf(nodes.toArray(CompletableFuture[]::new))
                            .whenComplete((ok, failure) -> {
                                if (failure != null) {
                                    c.closeAsync();
                                }
                            })
                            .thenApply(ok -> c);
                });
    }

    private void opened(StatefulConnection<String, String> c) {
        connection = c;
        if (c instanceof StatefulRedisClusterConnection<String, String> cluster) {
            commands = cluster.async();
        } else {
            commands = ((StatefulRedisConnection<String, String>) c).async();
        }
        // Loading the scripts now spares the first calls a NOSCRIPT and a second round trip.
        for (Script script : Script.ALL) {
            commands.scriptLoad(script.source());
        }
        if (attempts > 0) {
            LOG.info("{} connected to Redis at {} after {} failed attempts", purpose, config.maskedUrl(), attempts);
        } else {
            LOG.info("{} connected to Redis at {}", purpose, config.maskedUrl());
        }
        connected.complete(null);
    }

    private void failed(Throwable failure) {
        lastFailure = failure;
        attempts++;
        long now = System.nanoTime();
        if (attempts == 1 || now - lastLoggedNanos > LOG_EVERY.toNanos()) {
            lastLoggedNanos = now;
            LOG.warn("{} cannot connect to Redis at {} ({} attempts so far; retrying in the background): {}",
                    purpose, config.maskedUrl(), attempts, RedisConfig.mask(describe(failure)));
        }
        if (!closed) {
            long delay = Math.min(MAX_RETRY_DELAY.toMillis(), 50L << Math.min(attempts, 6));
            resources.eventExecutorGroup().schedule(this::attempt, delay, TimeUnit.MILLISECONDS);
        }
    }

    private static String describe(Throwable failure) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = failure; t != null && text.length() < 400; t = t.getCause()) {
            if (t.getMessage() != null && text.indexOf(t.getMessage()) < 0) {
                if (text.length() > 0) {
                    text.append(": ");
                }
                text.append(t.getMessage());
            }
            if (t instanceof javax.net.ssl.SSLHandshakeException) {
                text.append(" (TLS handshake failed: check the CA certificate and the verify option)");
                break;
            }
        }
        return text.length() == 0 ? failure.getClass().getSimpleName() : text.toString();
    }

    private ClientOptions clientOptions() {
        ClientOptions.Builder options = ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(config.requestQueueSize())
                .timeoutOptions(TimeoutOptions.builder()
                        .timeoutCommands(true)
                        .fixedTimeout(config.commandTimeout())
                        .relaxedTimeoutsDuringMaintenance(TimeoutOptions.DISABLED_TIMEOUT)
                        .build())
                .maintNotificationsConfig(MaintNotificationsConfig.disabled())
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(config.connectTimeout())
                        .tcpNoDelay(true)
                        .keepAlive(SocketOptions.KeepAliveOptions.builder().enable()
                                .idle(Duration.ofSeconds(30)).interval(Duration.ofSeconds(10)).count(3).build())
                        .build())
                .replayFilter(NO_REPLAY);
        if (config.tls() && config.caCertificate() != null) {
            options.sslOptions(SslOptions.builder().jdkSslProvider()
                    .trustManager(config.caCertificate().toFile()).build());
        }
        return options.build();
    }

    /** Commands sent before a disconnect are failed, never sent again. */
    private static final Predicate<RedisCommand<?, ?, ?>> NO_REPLAY = command -> {
        command.completeExceptionally(new RedisException(
                "connection lost; the command is not replayed after the reconnect"));
        return true;
    };

    private RedisURI uri(RedisConfig.Endpoint endpoint) {
        RedisURI.Builder b = RedisURI.builder().withHost(endpoint.host()).withPort(endpoint.port());
        return secure(b).build();
    }

    private RedisURI sentinelUri() {
        RedisConfig.Endpoint first = config.endpoints().get(0);
        RedisURI.Builder b = RedisURI.Builder.sentinel(first.host(), first.port(), config.sentinelMaster());
        for (RedisConfig.Endpoint endpoint : config.endpoints().subList(1, config.endpoints().size())) {
            b.withSentinel(endpoint.host(), endpoint.port());
        }
        return secure(b).build();
    }

    private RedisURI.Builder secure(RedisURI.Builder b) {
        if (config.password() != null) {
            if (config.username() != null) {
                b.withAuthentication(config.username(), config.password());
            } else {
                b.withPassword(config.password().toCharArray());
            }
        }
        if (config.mode() != RedisConfig.Mode.CLUSTER) {
            b.withDatabase(config.database());
        }
        if (config.tls()) {
            b.withSsl(true).withVerifyPeer(switch (config.tlsVerify()) {
                case FULL -> SslVerifyMode.FULL;
                case CA -> SslVerifyMode.CA;
                case NONE -> SslVerifyMode.NONE;
            });
        }
        return b.withTimeout(config.commandTimeout());
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        StatefulConnection<String, String> c = connection;
        if (c != null) {
            c.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        connected.completeExceptionally(new IllegalStateException(purpose + " is closed"));
    }

    @Override
    public String toString() {
        return config.maskedUrl() + (isConnected() ? ", connected" : ", not connected");
    }
}
