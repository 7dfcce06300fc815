package dev.ratelimit.redis;

import dev.ratelimit.EmailStore;
import dev.ratelimit.RateLimitBackend;
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
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.NettyCustomizer;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Redis deployment — standalone, Sentinel or Cluster, as {@link RedisConfig} describes — behind
 * one Lettuce client and one shared connection that pipelines concurrent callers: the rate-limit
 * backend and the email store of that server both run on it.
 *
 * <pre>{@code
 * RedisConnection redis = RedisConnection.open(RedisConfig.fromUrl(System.getenv("REDIS_URL")));
 * RateLimiter limiter = RateLimiter.builder().policy(policy).backend(redis.rateLimitBackend()).build();
 * EmailStore emails = redis.emailStore();
 * }</pre>
 *
 * <p>Set up to fail fast: commands are rejected while disconnected, the request queue is bounded,
 * every command has a timeout, nothing is replayed after a reconnect (a replayed rate-limit script
 * would count twice), keep-alive is on and reconnects are jittered. The connection opens in the
 * background and is retried there, so an application starts while Redis is down and uses it once
 * it is up; a call made during the first attempt waits for its outcome. Thread-safe;
 * {@link #close()} releases the connection and every thread.
 */
public final class RedisConnection implements ScriptTransport {

    private static final Logger LOG = LoggerFactory.getLogger(RedisConnection.class);
    private static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(2);
    private static final Duration LOG_EVERY = Duration.ofSeconds(30);

    /**
     * At most this many commands wait for one write: enough to save most system calls, few enough
     * that the server works on the first while the client sends the rest. Chosen from one run each
     * of 2, 4, 8, 16 and 256 at 64 asynchronous callers on one key, where 4 did best (1.5× a bare
     * connection's decisions/s; 8 and 16 1.35×, 2 1.1×, 256 0.85×), on a machine whose rounds vary
     * by tens of percent: 4 to 16 are alike within that noise.
     */
    private static final int COMMANDS_PER_WRITE = 4;

    private final RedisConfig config;
    private final ClientResources resources;
    private final AbstractRedisClient client;
    private final @Nullable RedisURI standaloneUri;
    private final CompletableFuture<Void> connected = new CompletableFuture<>();
    private final CompletableFuture<Void> firstAttempt = new CompletableFuture<>();
    private final java.util.Set<Script> preloaded = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.util.List<java.util.function.Consumer<Object>> reconnectListeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.Map<String, String> nodeLabels = new java.util.concurrent.ConcurrentHashMap<>();
    private final reactor.core.Disposable connectionEvents;
    private volatile @Nullable StatefulConnection<String, String> connection;
    private volatile @Nullable RedisClusterAsyncCommands<String, String> commands;
    private volatile @Nullable Throwable lastFailure;
    private volatile boolean closed;
    private int attempts;
    private long lastLoggedNanos;

    private RedisConnection(RedisConfig config) {
        this.config = config;
        // Lettuce records every command's latency in a map by command type when HdrHistogram and
        // LatencyUtils are on the class path (Micrometer brings them): a wrapper, a lookup and a
        // histogram per decision that nothing here reads.
        this.resources = DefaultClientResources.builder()
                .commandLatencyRecorder(io.lettuce.core.metrics.CommandLatencyRecorder.disabled())
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(2)
                .nettyCustomizer(new FlushesTogether())
                .reconnectDelay(Delay.fullJitter(Duration.ofMillis(20), MAX_RETRY_DELAY, 50, TimeUnit.MILLISECONDS))
                .build();
        if (config.mode() == RedisConfig.Mode.CLUSTER) {
            List<RedisURI> seeds = new ArrayList<>();
            for (RedisConfig.Endpoint endpoint : config.endpoints()) {
                seeds.add(uri(endpoint));
            }
            RedisClusterClient cluster = RedisClusterClient.create(resources, seeds);
            cluster.setOptions(ClusterClientOptions.builder(clientOptions())
                    // A promoted replica is found within about a second: periodically, and at once on
                    // redirects and on the first failed reconnect to a node (Lettuce 7 refreshes on
                    // every adaptive trigger by default).
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enablePeriodicRefresh(Duration.ofSeconds(1))
                            .adaptiveRefreshTriggersTimeout(Duration.ofSeconds(1))
                            .refreshTriggersReconnectAttempts(1)
                            .build())
                    .build());
            this.client = cluster;
            this.standaloneUri = null;
        } else {
            RedisClient redis = RedisClient.create(resources);
            redis.setOptions(clientOptions());
            this.client = redis;
            this.standaloneUri = config.mode() == RedisConfig.Mode.SENTINEL
                    ? sentinelUri()
                    : uri(config.endpoints().get(0));
        }
        this.connectionEvents = resources
                .eventBus()
                .get()
                .filter(event -> event instanceof io.lettuce.core.event.connection.ConnectionActivatedEvent)
                .subscribe(event -> reconnected((io.lettuce.core.event.connection.ConnectionActivatedEvent) event));
        attempt();
    }

    /**
     * {@return a connection to the Redis that {@code config} describes} It opens in the background,
     * and the returned object is usable at once; the caller closes it.
     *
     * @param config the server and the client settings; not null
     */
    public static RedisConnection open(RedisConfig config) {
        return new RedisConnection(java.util.Objects.requireNonNull(config, "config"));
    }

    /**
     * {@return the rate-limit backend on this connection, with the defaults of
     * {@link RateLimitBackend#scripted}} Each call builds a new one; closing it leaves this
     * connection open.
     */
    public RateLimitBackend rateLimitBackend() {
        return RateLimitBackend.scripted(this).build();
    }

    /**
     * {@return the email store on this connection} It has the defaults of
     * {@link EmailStore#scripted} and a timeout of the command timeout plus one second. Each call
     * builds a new one; closing it leaves this connection open.
     */
    public EmailStore emailStore() {
        return EmailStore.scripted(this)
                .timeout(config.commandTimeout().plusSeconds(1))
                .build();
    }

    @Override
    public String name() {
        return "redis";
    }

    /** 500 ms: a Redis next door answers in well under a millisecond; this is room for a busy moment. */
    @Override
    public Duration deadline() {
        return Duration.ofMillis(500);
    }

    /** On a Cluster, the master that owns the hash tag's slot, as {@code host:port}; otherwise null. */
    @Override
    public @Nullable Object partition(String hashTag) {
        if (!(connection instanceof StatefulRedisClusterConnection<String, String> cluster)) {
            return null;
        }
        RedisClusterNode node =
                cluster.getPartitions().getPartitionBySlot(io.lettuce.core.cluster.SlotHash.getSlot(hashTag));
        if (node == null) {
            return null;
        }
        String id = node.getNodeId();
        String label = nodeLabels.get(id);
        if (label == null) {
            label = node.getUri().getHost() + ":" + node.getUri().getPort();
            if (nodeLabels.size() < 1024) {
                nodeLabels.put(id, label);
            }
        }
        return label;
    }

    @Override
    public AutoCloseable whenConnected(java.util.function.Consumer<Object> listener) {
        reconnectListeners.add(listener);
        return () -> reconnectListeners.remove(listener);
    }

    /** A connection opened: on a Cluster, it reaches the node at its remote address; otherwise the server. */
    private void reconnected(io.lettuce.core.event.connection.ConnectionActivatedEvent event) {
        Object partition = null;
        if (client instanceof RedisClusterClient
                && event.remoteAddress() instanceof java.net.InetSocketAddress remote) {
            partition = remote.getHostString() + ":" + remote.getPort();
        }
        for (java.util.function.Consumer<Object> listener : reconnectListeners) {
            listener.accept(partition);
        }
    }

    @Override
    public CompletionStage<Object> evalSha(Script script, String[] keys, String[] args) {
        return run(c -> c.<Object>evalsha(script.sha1(), outputType(script), keys, args));
    }

    @Override
    public CompletionStage<Object> evalSource(Script script, String[] keys, String[] args) {
        return run(c -> c.<Object>eval(script.source(), outputType(script), keys, args));
    }

    /** Loads {@code script} now if connected, and on every connection opened later. */
    @Override
    public void preload(Script script) {
        if (preloaded.add(script)) {
            RedisClusterAsyncCommands<String, String> c = commands;
            if (c != null) {
                load(c, script);
            }
        }
    }

    /**
     * Sends {@code SCRIPT LOAD} and forgets it: a script that failed to load costs its first call a
     * {@code NOSCRIPT} answer and an {@code EVAL}, nothing else.
     */
    @SuppressWarnings("FutureReturnValueIgnored")
    private static void load(RedisClusterAsyncCommands<String, String> commands, Script script) {
        commands.scriptLoad(script.source());
    }

    private static ScriptOutputType outputType(Script script) {
        return script.reply() == Script.Reply.INTEGER ? ScriptOutputType.INTEGER : ScriptOutputType.MULTI;
    }

    /**
     * Sends a command on the live connection; during the first connection attempt, once it ends;
     * otherwise fails at once with the reason there is no connection.
     */
    private CompletableFuture<Object> run(
            java.util.function.Function<RedisClusterAsyncCommands<String, String>, io.lettuce.core.RedisFuture<Object>>
                    command) {
        RedisClusterAsyncCommands<String, String> c = commands;
        if (c != null) {
            return command.apply(c).toCompletableFuture();
        }
        if (!firstAttempt.isDone()) {
            return firstAttempt.thenCompose(attempted -> {
                RedisClusterAsyncCommands<String, String> now = commands;
                return now != null
                        ? command.apply(now).toCompletableFuture()
                        : CompletableFuture.failedFuture(new RedisException(notConnectedMessage()));
            });
        }
        return CompletableFuture.failedFuture(new RedisException(notConnectedMessage()));
    }

    @Override
    public String describe() {
        return config.maskedUrl();
    }

    /**
     * Waits until the connection is open, for applications that would rather not start without
     * Redis; the connection keeps being retried in the background meanwhile.
     *
     * @throws IllegalStateException with the last connection failure (password masked) if it is
     *     not open within {@code timeout}
     */
    @Override
    public void awaitConnection(Duration timeout) {
        try {
            connected.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Redis", e);
        } catch (Exception e) {
            throw new IllegalStateException(notConnectedMessage());
        }
    }

    /** {@return whether the connection is open now} */
    public boolean isConnected() {
        StatefulConnection<String, String> c = connection;
        return c != null && c.isOpen();
    }

    /** {@return the configuration this connection was opened with} */
    public RedisConfig config() {
        return config;
    }

    private String notConnectedMessage() {
        if (closed) {
            return "the Redis connection to " + config.maskedUrl() + " is closed";
        }
        Throwable failure = lastFailure;
        return "not connected to Redis at " + config.maskedUrl()
                + (failure == null ? " yet" : ": " + RedisConfig.mask(describe(failure)));
    }

    // The attempt's outcome is handled in its callback; an unwanted connection is closed without
    // waiting for the close.
    @SuppressWarnings("FutureReturnValueIgnored")
    private void attempt() {
        if (closed) {
            return;
        }
        CompletableFuture<? extends StatefulConnection<String, String>> pending;
        try {
            pending = client instanceof RedisClusterClient cluster
                    ? connectCluster(cluster)
                    : ((RedisClient) client)
                            .connectAsync(StringCodec.UTF8, java.util.Objects.requireNonNull(standaloneUri))
                            .toCompletableFuture();
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
    @SuppressWarnings("FutureReturnValueIgnored") // a half-opened connection is closed without waiting
    private static CompletableFuture<StatefulRedisClusterConnection<String, String>> connectCluster(
            RedisClusterClient cluster) {
        return cluster.refreshPartitionsAsync()
                .toCompletableFuture()
                .thenCompose(loaded -> cluster.connectAsync(StringCodec.UTF8))
                .thenCompose(c -> {
                    List<CompletableFuture<?>> nodes = new ArrayList<>();
                    for (RedisClusterNode node : c.getPartitions()) {
                        if (node.is(RedisClusterNode.NodeFlag.UPSTREAM)) {
                            // by host and port: the key under which command routing looks node connections up
                            nodes.add(c.getConnectionAsync(
                                    node.getUri().getHost(), node.getUri().getPort()));
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
        RedisClusterAsyncCommands<String, String> async =
                c instanceof StatefulRedisClusterConnection<String, String> cluster
                        ? cluster.async()
                        : ((StatefulRedisConnection<String, String>) c).async();
        // Loading the scripts now spares the first calls a NOSCRIPT and a second round trip.
        for (Script script : preloaded) {
            load(async, script);
        }
        commands = async;
        if (attempts > 0) {
            LOG.info("connected to Redis at {} after {} failed attempts", config.maskedUrl(), attempts);
        } else {
            LOG.info("connected to Redis at {}", config.maskedUrl());
        }
        connected.complete(null);
        firstAttempt.complete(null);
    }

    @SuppressWarnings("FutureReturnValueIgnored") // the retry reports its own outcome
    private void failed(Throwable failure) {
        lastFailure = failure;
        attempts++;
        firstAttempt.complete(null);
        long now = System.nanoTime();
        if (attempts == 1 || now - lastLoggedNanos > LOG_EVERY.toNanos()) {
            lastLoggedNanos = now;
            LOG.warn(
                    "cannot connect to Redis at {} ({} attempts so far; retrying in the background): {}",
                    config.maskedUrl(),
                    attempts,
                    RedisConfig.mask(describe(failure)));
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

    /**
     * Lets the commands of decisions in flight together share a write: Lettuce writes and flushes
     * each command on its own, one system call and one TCP segment per decision, and about as many
     * server reads (3 in 4 in {@code FlushConsolidationTest}). Netty's {@link FlushConsolidationHandler} at the head of each
     * connection's pipeline instead sends the commands queued while the connection reads a batch of
     * replies (each answer's caller sending its next decision) when the batch ends or every {@value
     * #COMMANDS_PER_WRITE} commands, whichever comes first, and the commands of callers on other
     * threads once the connection's thread has taken every command waiting for it, or every {@value
     * #COMMANDS_PER_WRITE} commands. A command sent
     * alone from another thread is written one step later, after what the connection's thread had
     * queued before it: a lone synchronous caller measured as fast as on a bare connection, within
     * the noise ({@code RedisSyncCallersHarness}, {@code docs/PERFORMANCE.md}).
     */
    private static final class FlushesTogether implements NettyCustomizer {
        @Override
        public void afterChannelInitialized(Channel channel) {
            ChannelPipeline pipeline = channel.pipeline();
            FlushConsolidationHandler handler = new FlushConsolidationHandler(COMMANDS_PER_WRITE, true);
            // With TLS, just behind the TLS handler: the commands of one write share a TLS record,
            // and the handshake's own writes are left alone.
            ChannelHandlerContext tls = pipeline.context(SslHandler.class);
            if (tls != null) {
                pipeline.addAfter(tls.name(), null, handler);
            } else {
                pipeline.addFirst(handler);
            }
        }
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
                        .keepAlive(SocketOptions.KeepAliveOptions.builder()
                                .enable()
                                .idle(Duration.ofSeconds(30))
                                .interval(Duration.ofSeconds(10))
                                .count(3)
                                .build())
                        .build())
                .replayFilter(RedisConnection::noReplay);
        if (config.tls() && config.caCertificate() != null) {
            options.sslOptions(SslOptions.builder()
                    .jdkSslProvider()
                    .trustManager(config.caCertificate().toFile())
                    .build());
        }
        return options.build();
    }

    /** Commands sent before a disconnect are failed, never sent again. */
    private static boolean noReplay(RedisCommand<?, ?, ?> command) {
        command.completeExceptionally(
                new RedisException("connection lost; the command is not replayed after the reconnect"));
        return true;
    }

    private RedisURI uri(RedisConfig.Endpoint endpoint) {
        RedisURI.Builder b = RedisURI.builder().withHost(endpoint.host()).withPort(endpoint.port());
        return secure(b).build();
    }

    private RedisURI sentinelUri() {
        RedisConfig.Endpoint first = config.endpoints().get(0);
        RedisURI.Builder b = RedisURI.Builder.sentinel(first.host(), first.port(), config.sentinelMaster());
        for (RedisConfig.Endpoint endpoint :
                config.endpoints().subList(1, config.endpoints().size())) {
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
            b.withSsl(true)
                    .withVerifyPeer(
                            switch (config.tlsVerify()) {
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
        connectionEvents.dispose();
        StatefulConnection<String, String> c = connection;
        if (c != null) {
            c.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        connected.completeExceptionally(new IllegalStateException(notConnectedMessage()));
        firstAttempt.complete(null);
        // Closing the client's channels ran on Netty's global executor, whose (non-daemon) thread
        // lingers for a second after its last task: wait for it, so close() leaves no thread behind.
        try {
            io.netty.util.concurrent.GlobalEventExecutor.INSTANCE.awaitInactivity(3, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "RedisConnection[" + config.maskedUrl() + (isConnected() ? ", connected" : ", not connected") + "]";
    }
}
