package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.testkit.redis.RedisExtension;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An application module that requires {@code dev.ratelimit.redis}, compiled and run on a module
 * path of exactly this module and its runtime dependencies (as Maven resolves them for a user),
 * with no {@code --add-modules}: it starts, reaches a real Redis, and the decision comes from
 * Redis.
 */
class ModulePathApplicationTest {

    @RegisterExtension
    static final RedisExtension redis = RedisExtension.single();

    @TempDir
    Path work;

    @Test
    void anApplicationModuleRunsOnTheModulePath_withoutAddModules() throws IOException, InterruptedException {
        String modulePath = modulePath();
        Path sources = work.resolve("src");
        write(sources.resolve("module-info.java"), "module app { requires dev.ratelimit.redis; }");
        write(sources.resolve("app/Main.java"), """
                package app;

                import dev.ratelimit.Decision;
                import dev.ratelimit.Limit;
                import dev.ratelimit.Policy;
                import dev.ratelimit.RateLimiter;
                import dev.ratelimit.redis.RedisConfig;
                import dev.ratelimit.redis.RedisConnection;
                import java.time.Duration;

                public class Main {
                    public static void main(String[] args) throws Exception {
                        try (RedisConnection redis = RedisConnection.open(RedisConfig.fromUrl(args[0]))) {
                            redis.awaitConnection(Duration.ofSeconds(30));
                            decide(redis);
                        }
                    }

                    private static void decide(RedisConnection redis) {
                        try (RateLimiter limiter = RateLimiter.builder()
                                        .policy(Policy.of("generate", Limit.perHour(5)))
                                        .backend(redis.rateLimitBackend())
                                        .build()) {
                            Decision decision = limiter.tryAcquire("module-path-app");
                            System.out.println("decision allowed=" + decision.allowed()
                                    + " remaining=" + decision.remaining() + " source=" + decision.source());
                        }
                    }
                }
                """);
        Path classes = work.resolve("classes");
        Path bin = Path.of(System.getProperty("java.home"), "bin");
        assertThat(run(
                        bin.resolve("javac").toString(),
                        "--release",
                        "17",
                        "--module-path",
                        modulePath,
                        "-d",
                        classes.toString(),
                        sources.resolve("module-info.java").toString(),
                        sources.resolve("app/Main.java").toString()))
                .as("javac")
                .isEmpty();

        String output = run(
                bin.resolve("java").toString(),
                "--module-path",
                modulePath + File.pathSeparator + classes,
                "--module",
                "app/app.Main",
                redis.url());
        assertThat(output).contains("decision allowed=true remaining=4 source=BACKEND");
    }

    /** Runs a command to its end; its output, after asserting that it exited with 0. */
    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output;
        try {
            output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(60, TimeUnit.SECONDS))
                    .as("%s ended", command[0])
                    .isTrue();
        } finally {
            process.destroyForcibly();
        }
        assertThat(process.exitValue())
                .as("exit code of %s; output:%n%s", command[0], output)
                .isZero();
        return output;
    }

    /** This module's classes and its runtime dependencies, as written by the build. */
    private static String modulePath() throws IOException {
        Path list = Path.of(System.getProperty("runtime.classpath.file", "target/runtime-classpath.txt"));
        List<String> entries = new ArrayList<>();
        entries.add(Path.of("target", "classes").toAbsolutePath().toString());
        for (String entry : Files.readString(list).trim().split(File.pathSeparator, -1)) {
            if (!entry.isEmpty()) {
                entries.add(entry);
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    private static void write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }
}
