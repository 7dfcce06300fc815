package dev.ratelimit.testkit.redis;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Copies {@code redis-server} out of the {@code redis:7.0} image. Loaded only when Testcontainers
 * is on the class path (it is an optional dependency of the testkit).
 */
final class DockerRedisBinary {

    private DockerRedisBinary() {}

    static Optional<Path> copyOut() {
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            return Optional.empty();
        }
        try (GenericContainer<?> container =
                new GenericContainer<>(DockerImageName.parse("redis:7.0")).withCommand("sleep", "60")) {
            container.start();
            Path dir = Files.createTempDirectory("ratelimit-redis-binary");
            Path binary = dir.resolve("redis-server");
            container.copyFileFromContainer("/usr/local/bin/redis-server", binary.toString());
            if (!binary.toFile().setExecutable(true)) {
                return Optional.empty();
            }
            binary.toFile().deleteOnExit();
            return Optional.of(binary);
        } catch (Exception e) {
            return Optional.empty();
        }
    }
}
