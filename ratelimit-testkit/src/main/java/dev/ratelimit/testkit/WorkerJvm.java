package dev.ratelimit.testkit;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Starts the worker JVMs of the races: small, quickly compiled, on this JVM's classes. */
final class WorkerJvm {

    private WorkerJvm() {}

    /**
     * Starts {@code main} with {@code args} in a new JVM, its output and errors in one stream. The
     * child runs on a class path: every entry of the module path and class path of this JVM.
     */
    static Process start(Class<?> main, List<String> args) throws IOException {
        String classPath = Stream.of("jdk.module.path", "surefire.test.class.path", "java.class.path")
                .map(System::getProperty)
                .filter(Objects::nonNull)
                .flatMap(path -> Arrays.stream(path.split(File.pathSeparator, -1)))
                .filter(entry -> !entry.isEmpty())
                .distinct()
                .collect(Collectors.joining(File.pathSeparator));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                classPath,
                "-Xmx128m",
                "-XX:TieredStopAtLevel=1",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                main.getName()));
        command.addAll(args);
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }
}
