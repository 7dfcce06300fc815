package dev.ratelimit.testkit.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Finds a {@code redis-server} executable, in this order: the path in the system property or
 * environment variable {@code RATELIMIT_REDIS_SERVER}; {@code redis-server} on the {@code PATH};
 * the binary inside the {@code redis:7.0} image when a Docker engine runs (copied out through
 * Testcontainers, and run here as a plain process); the statically linked binary shipped in the
 * {@code org.signal:embedded-redis} artifact. So a machine with only a JDK and Maven runs every
 * test, and each test still controls its own process (kill, pause, restart).
 */
final class RedisBinary {

    static final String OVERRIDE = "RATELIMIT_REDIS_SERVER";
    private static final String ARTIFACT_RESOURCE = "redis-server-7.0.15-linux-amd64";

    private static volatile @Nullable Path found;

    private RedisBinary() {}

    static Path find() {
        Path path = found;
        if (path == null) {
            synchronized (RedisBinary.class) {
                path = found;
                if (path == null) {
                    path = locate();
                    found = path;
                }
            }
        }
        return path;
    }

    private static Path locate() {
        String override = Optional.ofNullable(System.getProperty(OVERRIDE)).orElse(System.getenv(OVERRIDE));
        if (override != null && !override.isBlank()) {
            if (override.equals("artifact")) {
                return fromArtifact()
                        .orElseThrow(() -> new IllegalStateException(OVERRIDE
                                + "=artifact, but the embedded-redis artifact has no binary for this platform"));
            }
            return Path.of(override);
        }
        return first(RedisBinary::onPath, RedisBinary::fromDocker, RedisBinary::fromArtifact)
                .orElseThrow(() -> new IllegalStateException("no redis-server found: put one on the PATH, run a "
                        + "Docker engine, or set " + OVERRIDE + " to its path"));
    }

    @SafeVarargs
    private static Optional<Path> first(Supplier<Optional<Path>>... sources) {
        for (Supplier<Optional<Path>> source : sources) {
            Optional<Path> path = source.get();
            if (path.isPresent()) {
                return path;
            }
        }
        return Optional.empty();
    }

    static Optional<Path> onPath() {
        String pathVariable = System.getenv("PATH");
        if (pathVariable == null) {
            return Optional.empty();
        }
        for (String dir : pathVariable.split(java.util.regex.Pattern.quote(java.io.File.pathSeparator), -1)) {
            Path candidate = Path.of(dir, "redis-server");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    static Optional<Path> fromDocker() {
        return DockerRedisBinary.copyOut();
    }

    static Optional<Path> fromArtifact() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return Optional.empty();
        }
        try (InputStream in = RedisBinary.class.getClassLoader().getResourceAsStream(ARTIFACT_RESOURCE)) {
            if (in == null) {
                return Optional.empty();
            }
            Path dir = Files.createTempDirectory("ratelimit-redis-binary");
            Path binary = dir.resolve("redis-server");
            Files.copy(in, binary, StandardCopyOption.REPLACE_EXISTING);
            if (!binary.toFile().setExecutable(true)) {
                throw new IOException("cannot make " + binary + " executable");
            }
            binary.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            return Optional.of(binary);
        } catch (IOException e) {
            throw new UncheckedIOException("could not extract redis-server from the embedded-redis artifact", e);
        }
    }
}
