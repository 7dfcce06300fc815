package dev.ratelimit.testkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class RedisProcessesTest {

    private static final RedisClient CLIENT = RedisClient.create();

    @AfterAll
    static void shutdown() {
        CLIENT.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    private static String ping(RedisServer server) {
        RedisURI uri = RedisURI.create("127.0.0.1", server.port());
        uri.setTimeout(Duration.ofSeconds(1));
        try (StatefulRedisConnection<String, String> c = CLIENT.connect(uri)) {
            return c.sync().ping();
        }
    }

    @Test
    void killPauseAndRestart_actOnTheRealProcess() {
        try (RedisServer server = RedisServer.start()) {
            assertThat(ping(server)).isEqualTo("PONG");
            server.pause();
            assertThatThrownBy(() -> ping(server))
                    .as("a stopped process answers nothing")
                    .isNotNull();
            server.resume();
            assertThat(ping(server)).isEqualTo("PONG");
            long pid = server.pid();
            server.kill();
            assertThat(server.isRunning()).isFalse();
            assertThatThrownBy(() -> ping(server));
            server.restart();
            assertThat(server.pid()).isNotEqualTo(pid);
            assertThat(ping(server)).isEqualTo("PONG");
        }
    }

    @Test
    void theBinaryShippedInTheMavenArtifact_runs() throws Exception {
        Path binary = RedisBinary.fromArtifact().orElseThrow();
        Process p = new ProcessBuilder(binary.toString(), "--version")
                .redirectErrorStream(true)
                .start();
        String version = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isZero();
        assertThat(version).startsWith("Redis server v=7.");
    }

    @Test
    void cluster_ofThreeMasters_coversEverySlot() {
        try (RedisCluster cluster = RedisCluster.start(3)) {
            assertThat(cluster.nodes()).hasSize(3);
            RedisServer first = cluster.nodes().get(0);
            try (StatefulRedisConnection<String, String> c =
                    CLIENT.connect(RedisURI.create("127.0.0.1", first.port()))) {
                assertThat(c.sync().clusterInfo()).contains("cluster_state:ok", "cluster_slots_assigned:16384");
                assertThat(c.sync().clusterNodes().lines().count()).isEqualTo(3);
            }
            assertThat(cluster.url())
                    .matches("redis://127\\.0\\.0\\.1:\\d+,127\\.0\\.0\\.1:\\d+,127\\.0\\.0\\.1:\\d+\\?cluster=true");
        }
    }

    @Test
    void tlsFiles_areGeneratedByTheJdkAlone() throws Exception {
        Path dir = Files.createTempDirectory("tls-test");
        TlsFiles files = TlsFiles.generate(dir);
        for (Path p : List.of(files.caCertificate(), files.certificate(), files.privateKey())) {
            assertThat(p).exists().isNotEmptyFile();
        }
        assertThat(Files.readString(files.privateKey())).startsWith("-----BEGIN PRIVATE KEY-----");
        try (RedisServer server = RedisServer.startTls(files)) {
            assertThat(server.url()).startsWith("rediss://localhost:");
            assertThat(server.log()).contains("Ready to accept connections");
        }
    }
}
