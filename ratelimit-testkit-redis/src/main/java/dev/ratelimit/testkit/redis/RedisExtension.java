package dev.ratelimit.testkit.redis;

import java.nio.file.Files;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts real Redis for a test class and stops it afterwards:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final RedisExtension redis = RedisExtension.single();   // or clusterOfThree(), tls()
 * ... redis.server().url() ...
 * }</pre>
 *
 * <p>Each test class gets its own processes on free ports, so classes never collide and a test may
 * kill, pause or restart its server.
 */
public final class RedisExtension implements BeforeAllCallback, AfterAllCallback {

    private enum Kind {
        SINGLE,
        CLUSTER,
        TLS
    }

    private final Kind kind;
    private @Nullable RedisServer server;
    private @Nullable RedisCluster cluster;
    private @Nullable TlsFiles tlsFiles;
    private @Nullable Path tlsDir;

    private RedisExtension(Kind kind) {
        this.kind = kind;
    }

    /** {@return an extension that runs one plain node ({@link #server()})} */
    public static RedisExtension single() {
        return new RedisExtension(Kind.SINGLE);
    }

    /** {@return an extension that runs a Cluster of three masters without replicas ({@link #cluster()})} */
    public static RedisExtension clusterOfThree() {
        return new RedisExtension(Kind.CLUSTER);
    }

    /**
     * {@return an extension that runs one node that speaks only TLS, with a freshly generated
     * authority and certificate ({@link #server()}, {@link #tlsFiles()})}
     */
    public static RedisExtension tls() {
        return new RedisExtension(Kind.TLS);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        switch (kind) {
            case SINGLE -> server = RedisServer.start();
            case CLUSTER -> cluster = RedisCluster.start(3);
            case TLS -> {
                tlsDir = Files.createTempDirectory("ratelimit-tls");
                tlsFiles = TlsFiles.generate(tlsDir);
                server = RedisServer.startTls(tlsFiles);
            }
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (server != null) {
            server.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (tlsDir != null) {
            tlsDir.toFile().deleteOnExit();
        }
    }

    /**
     * The single or TLS node.
     *
     * @return the node, started before all tests
     * @throws IllegalStateException if this extension runs a Cluster, or before all tests
     */
    public RedisServer server() {
        if (server == null) {
            throw new IllegalStateException("this extension runs a " + kind + ", not a single server");
        }
        return server;
    }

    /**
     * The Cluster.
     *
     * @return the Cluster, started before all tests
     * @throws IllegalStateException if this extension runs a single or TLS node, or before all tests
     */
    public RedisCluster cluster() {
        if (cluster == null) {
            throw new IllegalStateException("this extension runs a " + kind + ", not a cluster");
        }
        return cluster;
    }

    /**
     * The TLS node's certificate files.
     *
     * @return the files; a client trusts {@link TlsFiles#caCertificate()}
     * @throws IllegalStateException if this extension does not run a TLS node, or before all tests
     */
    public TlsFiles tlsFiles() {
        if (tlsFiles == null) {
            throw new IllegalStateException("this extension runs a " + kind + ", not a TLS node");
        }
        return tlsFiles;
    }

    /**
     * The URL of what this extension runs.
     *
     * @return the node's URL, or the Cluster's seed list
     * @throws IllegalStateException before all tests
     */
    public String url() {
        return cluster != null ? cluster.url() : server().url();
    }
}
