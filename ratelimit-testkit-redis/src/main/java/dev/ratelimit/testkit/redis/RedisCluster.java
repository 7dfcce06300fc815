package dev.ratelimit.testkit.redis;

import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A real Redis Cluster of {@code redis-server} processes on 127.0.0.1: masters with the 16,384
 * slots split evenly, and optionally one replica per master, which the cluster promotes when its
 * master dies. Nodes run with {@code cluster-require-full-coverage no}, so the healthy masters keep
 * answering for their slots while a dead master's slots wait for its replica. Each node is a {@link RedisServer} a test may kill, pause or restart (a restarted
 * node comes back empty and outside the cluster).
 */
public final class RedisCluster implements AutoCloseable {

    private static final int SLOTS = 16_384;

    private final List<RedisServer> nodes;
    private final int masters;

    private RedisCluster(List<RedisServer> nodes, int masters) {
        this.nodes = List.copyOf(nodes);
        this.masters = masters;
    }

    /**
     * Starts {@code masters} nodes without replicas, with a 2 s node timeout; see
     * {@link #start(int, boolean, Duration)}.
     *
     * @param masters how many masters share the slots, at least 1
     * @return the healthy cluster; close it to stop every node
     * @throws IllegalStateException if a node cannot be started or the cluster is not healthy
     *     within 30 s; nodes already started are stopped
     */
    public static RedisCluster start(int masters) {
        return start(masters, false, Duration.ofSeconds(2));
    }

    /**
     * Starts the nodes, assigns the slots, joins them, makes each replica follow its master, and
     * waits until the cluster is healthy.
     *
     * @param masters how many masters share the slots, at least 1
     * @param withReplicas one replica per master, promoted when its master has been unreachable for
     *     {@code nodeTimeout}
     * @param nodeTimeout the nodes' {@code cluster-node-timeout}: how long a node may be unreachable
     *     before the others take it for failed
     * @return the healthy cluster, every replica synced; close it to stop every node
     * @throws IllegalStateException if a node cannot be started, the cluster is not healthy within
     *     30 s, or the thread is interrupted; nodes already started are stopped
     */
    public static RedisCluster start(int masters, boolean withReplicas, Duration nodeTimeout) {
        List<RedisServer> nodes = new ArrayList<>();
        RedisClient client = RedisClient.create();
        int total = withReplicas ? 2 * masters : masters;
        try {
            for (int i = 0; i < total; i++) {
                // A replica is synced at once (no 5 s wait for more replicas), so it can be promoted;
                // masters keep serving their own slots while another master's are uncovered.
                nodes.add(RedisServer.start(
                        null,
                        List.of(
                                "--cluster-enabled",
                                "yes",
                                "--cluster-config-file",
                                "nodes.conf",
                                "--cluster-node-timeout",
                                Long.toString(nodeTimeout.toMillis()),
                                "--repl-diskless-sync-delay",
                                "0",
                                "--cluster-require-full-coverage",
                                "no"),
                        true));
            }
            List<StatefulRedisConnection<String, String>> connections = new ArrayList<>();
            for (RedisServer node : nodes) {
                connections.add(client.connect(RedisURI.create("127.0.0.1", node.port())));
            }
            for (int i = 0; i < masters; i++) {
                int from = i * SLOTS / masters;
                int to = (i + 1) * SLOTS / masters - 1;
                connections.get(i).sync().clusterAddSlotsRange(slots(from, to));
            }
            for (int i = 1; i < total; i++) {
                connections.get(0).sync().clusterMeet("127.0.0.1", nodes.get(i).port());
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            if (withReplicas) {
                for (int i = 0; i < masters; i++) {
                    String master = connections.get(i).sync().clusterMyId();
                    StatefulRedisConnection<String, String> replica = connections.get(masters + i);
                    while (!replica.sync().clusterNodes().contains(master)) {
                        if (System.nanoTime() > deadline) {
                            throw new IllegalStateException("a replica did not learn of its master in 30 s");
                        }
                        Thread.sleep(50);
                    }
                    replica.sync().clusterReplicate(master);
                }
            }
            while (!healthy(connections, total) || (withReplicas && !replicated(connections, masters))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the cluster did not become healthy in 30 s: "
                            + connections.get(0).sync().clusterInfo());
                }
                Thread.sleep(50);
            }
            connections.forEach(StatefulRedisConnection::close);
            return new RedisCluster(nodes, masters);
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

    @SuppressWarnings("unchecked") // one Range in Lettuce's varargs
    private static Range<Integer>[] slots(int from, int to) {
        return (Range<Integer>[]) new Range<?>[] {Range.create(from, to)};
    }

    /** Whether every replica has finished its first sync: only a synced replica is ever promoted. */
    private static boolean replicated(List<StatefulRedisConnection<String, String>> connections, int masters) {
        for (int i = 0; i < masters; i++) {
            if (!connections.get(masters + i).sync().info("replication").contains("master_link_status:up")) {
                return false;
            }
        }
        return true;
    }

    private static boolean healthy(List<StatefulRedisConnection<String, String>> connections, int known) {
        for (StatefulRedisConnection<String, String> connection : connections) {
            String info = connection.sync().clusterInfo();
            if (!info.contains("cluster_state:ok")
                    || !info.contains("cluster_known_nodes:" + known)
                    || !info.contains("cluster_slots_ok:" + SLOTS)) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@return the nodes: the masters in slot order, then their replicas in the same order} The
     * list is unmodifiable; after a failover, a node's role is no longer its place in it.
     */
    public List<RedisServer> nodes() {
        return nodes;
    }

    /**
     * The master first given slots {@code [i × 16384 / masters, (i + 1) × 16384 / masters)}.
     *
     * @param i the master's index, from 0 to the number of masters − 1
     * @return that node, whether or not it is still a master
     */
    public RedisServer master(int i) {
        return nodes.get(i);
    }

    /**
     * The replica of {@link #master(int)}.
     *
     * @param i the master's index, from 0 to the number of masters − 1
     * @return the node started as that master's replica, whether or not it has been promoted
     * @throws IllegalStateException if the cluster has no replicas
     */
    public RedisServer replica(int i) {
        if (nodes.size() == masters) {
            throw new IllegalStateException("this cluster has no replicas");
        }
        return nodes.get(masters + i);
    }

    /**
     * The index of the master first given {@code slot}.
     *
     * @param slot a hash slot, below 16384
     * @return the index for {@link #master(int)}
     * @throws IllegalArgumentException if {@code slot} is 16384 or more
     */
    public int masterOfSlot(int slot) {
        for (int i = 0; i < masters; i++) {
            if (slot < (i + 1) * SLOTS / masters) {
                return i;
            }
        }
        throw new IllegalArgumentException("no slot " + slot);
    }

    /**
     * {@return a seed list of every node in the form REDIS_URL accepts for a Cluster:
     * {@code redis://h:p1,h:p2,h:p3?cluster=true}}
     */
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
