package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.EmailStore;
import dev.ratelimit.email.AddResult;
import dev.ratelimit.testkit.redis.RedisServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression: {@code remove} did not reach the spool, so an address spooled while Redis was down
 * and then erased was delivered on the next start. Erasure must be complete.
 */
class EmailErasureTest {

    private static String spooled(Path dir) throws IOException {
        StringBuilder all = new StringBuilder();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                all.append(Files.readString(file, StandardCharsets.UTF_8));
            }
        }
        return all.toString();
    }

    @Test
    void aSpooledAddressThatIsRemoved_isNeverDelivered() throws Exception {
        Path spool = Files.createTempDirectory("erasure").resolve("emails.spool");
        try (RedisServer redis = RedisServer.start()) {
            redis.kill();
            try (RedisConnection connection = RedisConnection.open(RedisConfig.fromUrl(redis.url()));
                    EmailStore store = EmailStore.failover(List.of(connection.emailStore()), spool)) {
                assertThat(store.add("erase-me@example.com", "test")).isEqualTo(AddResult.SPOOLED);
                assertThat(store.add("keep-me@example.com", "test")).isEqualTo(AddResult.SPOOLED);
                assertThat(spooled(spool.getParent())).contains("erase-me@example.com");
                redis.restart();
                connection.awaitConnection(Duration.ofSeconds(10));
                store.remove("Erase-Me@example.com");
            }
            assertThat(spooled(spool.getParent())).as("erased from the spool").doesNotContain("erase-me@example.com");
            try (RedisConnection connection = RedisConnection.open(RedisConfig.fromUrl(redis.url()));
                    EmailStore store = EmailStore.failover(List.of(connection.emailStore()), spool)) {
                connection.awaitConnection(Duration.ofSeconds(10));
                EmailStore redisStore = connection.emailStore();
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (!redisStore.contains("keep-me@example.com") && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertThat(redisStore.contains("keep-me@example.com"))
                        .as("the other address was delivered")
                        .isTrue();
                assertThat(redisStore.contains("erase-me@example.com"))
                        .as("the erased one was not")
                        .isFalse();
                assertThat(store.contains("erase-me@example.com")).isFalse();
            }
            assertThat(spooled(spool.getParent())).doesNotContain("erase-me@example.com");
        }
    }

    @Test
    void spoolFiles_areReadableByTheirOwnerOnly(@TempDir Path dir) throws Exception {
        Path spool = dir.resolve("spool").resolve("emails.spool");
        try (RedisServer redis = RedisServer.start()) {
            redis.kill();
            try (RedisConnection connection = RedisConnection.open(RedisConfig.fromUrl(redis.url()));
                    EmailStore store = EmailStore.failover(List.of(connection.emailStore()), spool)) {
                assertThat(store.add("private@example.com")).isEqualTo(AddResult.SPOOLED);
            }
        }
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(spool)))
                .isEqualTo("rw-------");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(spool.getParent())))
                .isEqualTo("rwx------");
    }
}
