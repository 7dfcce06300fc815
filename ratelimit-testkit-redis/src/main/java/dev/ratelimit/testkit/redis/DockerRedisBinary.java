package dev.ratelimit.testkit.redis;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Copies {@code redis-server} out of the {@code redis:7.0} image with Testcontainers, when the
 * user's tests have it (it is an optional dependency of the testkit). Called reflectively, so that
 * this module names no automatic module it cannot know the name of: on the module path,
 * reflection reads every module.
 */
final class DockerRedisBinary {

    private DockerRedisBinary() {}

    static Optional<Path> copyOut() {
        try {
            ClassLoader loader = DockerRedisBinary.class.getClassLoader();
            Class<?> factory = Class.forName("org.testcontainers.DockerClientFactory", true, loader);
            Object docker = factory.getMethod("instance").invoke(null);
            if (!Boolean.TRUE.equals(factory.getMethod("isDockerAvailable").invoke(docker))) {
                return Optional.empty();
            }
            Class<?> imageName = Class.forName("org.testcontainers.utility.DockerImageName", true, loader);
            Object image = imageName.getMethod("parse", String.class).invoke(null, "redis:7.0");
            Class<?> genericContainer = Class.forName("org.testcontainers.containers.GenericContainer", true, loader);
            try (AutoCloseable container =
                    (AutoCloseable) genericContainer.getConstructor(imageName).newInstance(image)) {
                genericContainer.getMethod("withCommand", String[].class).invoke(container, (Object)
                        new String[] {"sleep", "60"});
                genericContainer.getMethod("start").invoke(container);
                Path dir = Files.createTempDirectory("ratelimit-redis-binary");
                Path binary = dir.resolve("redis-server");
                genericContainer
                        .getMethod("copyFileFromContainer", String.class, String.class)
                        .invoke(container, "/usr/local/bin/redis-server", binary.toString());
                if (!binary.toFile().setExecutable(true)) {
                    return Optional.empty();
                }
                binary.toFile().deleteOnExit();
                return Optional.of(binary);
            }
        } catch (Exception | LinkageError e) {
            return Optional.empty();
        }
    }
}
