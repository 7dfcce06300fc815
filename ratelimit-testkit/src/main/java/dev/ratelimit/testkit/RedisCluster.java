package dev.ratelimit.testkit;

import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A real Redis Cluster of {@code masters} {@code redis-server} processes on 127.0.0.1, with the
 * 16,384 slots split evenly and no replicas. Each node is a {@link RedisServer} a test may kill,
 * pause or restart (a restarted node comes back empty and outside the cluster).
 */
public final class RedisCluster implements AutoCloseable {

    private static final int SLOTS = 16_384;

    private final List<RedisServer> nodes;

    private RedisCluster(List<RedisServer> nodes) {
        this.nodes = List.copyOf(nodes);
    }

    /** Starts the nodes, assigns the slots, joins them and waits until the cluster is healthy. */
    public static RedisCluster start(int masters) {
        List<RedisServer> nodes = new ArrayList<>();
        RedisClient client = RedisClient.create();
        try {
            for (int i = 0; i < masters; i++) {
                nodes.add(RedisServer.start(null, List.of("--cluster-enabled", "yes",
                        "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000"), true));
            }
            List<StatefulRedisConnection<String, String>> connections = new ArrayList<>();
            for (RedisServer node : nodes) {
                connections.add(client.connect(RedisURI.create("127.0.0.1", node.port())));
            }
            for (int i = 0; i < masters; i++) {
                int from = i * SLOTS / masters;
                int to = (i + 1) * SLOTS / masters - 1;
                connections.get(i).sync().clusterAddSlotsRange(Range.create(from, to));
            }
            for (int i = 1; i < masters; i++) {
                connections.get(0).sync().clusterMeet("127.0.0.1", nodes.get(i).port());
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!healthy(connections, masters)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the cluster did not become healthy in 30 s: "
                            + connections.get(0).sync().clusterInfo());
                }
                Thread.sleep(50);
            }
            connections.forEach(StatefulRedisConnection::close);
            return new RedisCluster(nodes);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            nodes.forEach(RedisServer::close);
            throw new IllegalStateException(e);
        } catch (RuntimeException e) {
            nodes.forEach(RedisServer::close);
            throw e;
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    private static boolean healthy(List<StatefulRedisConnection<String, String>> connections, int masters) {
        for (StatefulRedisConnection<String, String> connection : connections) {
            String info = connection.sync().clusterInfo();
            if (!info.contains("cluster_state:ok") || !info.contains("cluster_known_nodes:" + masters)
                    || !info.contains("cluster_slots_ok:" + SLOTS)) {
                return false;
            }
        }
        return true;
    }

    /** The nodes, in slot order. */
    public List<RedisServer> nodes() {
        return nodes;
    }

    /** A seed list in the form REDIS_URL accepts for a Cluster: {@code redis://h:p1,h:p2,h:p3?cluster=true}. */
    public String url() {
        return "redis://" + nodes.stream().map(n -> "127.0.0.1:" + n.port()).collect(Collectors.joining(","))
                + "?cluster=true";
    }

    @Override
    public void close() {
        nodes.forEach(RedisServer::close);
    }

    @Override
    public String toString() {
        return "RedisCluster" + nodes;
    }
}
