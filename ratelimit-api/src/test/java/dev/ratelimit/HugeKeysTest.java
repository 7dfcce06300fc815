package dev.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Regression: the block cache kept callers' raw keys, so 300 denied keys of 1 MB filled a 512 MB heap. */
class HugeKeysTest {

    @Test
    void aThousandDeniedKeysOf1MB_fitIn256MB() throws IOException, InterruptedException {
        // The child runs on a class path: every entry of the module path and class path of this JVM.
        String classPath = Stream.of("jdk.module.path", "surefire.test.class.path", "java.class.path")
                .map(System::getProperty)
                .filter(Objects::nonNull)
                .flatMap(path -> Arrays.stream(path.split(File.pathSeparator, -1)))
                .filter(entry -> !entry.isEmpty())
                .distinct()
                .collect(Collectors.joining(File.pathSeparator));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process worker = new ProcessBuilder(
                        List.of(java, "-Xmx256m", "-cp", classPath, HugeKeysWorker.class.getName(), "1000", "1"))
                .redirectErrorStream(true)
                .start();
        String output;
        try {
            output = new String(worker.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(worker.waitFor(5, TimeUnit.MINUTES))
                    .as("the worker finished")
                    .isTrue();
        } finally {
            worker.destroyForcibly();
        }
        assertThat(output).doesNotContain("OutOfMemoryError").contains("denied=1000", "done");
        assertThat(worker.exitValue()).isZero();
    }
}
