package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ratelimit.Limit;
import dev.ratelimit.testkit.RedisExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MultiProcessAdmissionTest {

    @RegisterExtension
    static final RedisExtension redis = RedisExtension.single();

    private static final Pattern RESULT = Pattern.compile("admitted=(\\d+) notFromRedis=(\\d+)");

    @ParameterizedTest
    @EnumSource(Limit.Algorithm.class)
    void twoJvmsOf32Threads_onOneKeyOf100PerHour_admitExactly100(Limit.Algorithm algorithm) throws Exception {
        String key = "race-" + UUID.randomUUID();
        long startAt = System.currentTimeMillis() + 4_000;
        List<Process> workers = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            workers.add(worker(algorithm, key, startAt));
        }
        int admitted = 0;
        for (Process worker : workers) {
            String output = new String(worker.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(worker.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(worker.exitValue()).as(output).isZero();
            Matcher m = RESULT.matcher(output);
            assertThat(m.find()).as(output).isTrue();
            assertThat(Integer.parseInt(m.group(2))).as("every decision came from Redis").isZero();
            admitted += Integer.parseInt(m.group(1));
        }
        assertThat(admitted).isEqualTo(100);
    }

    private static Process worker(Limit.Algorithm algorithm, String key, long startAt) throws Exception {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", classPath, "-Xmx128m", "-XX:TieredStopAtLevel=1",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                AdmissionWorker.class.getName(), redis.url(), algorithm.name(), key, "32", "20", Long.toString(startAt))
                .redirectErrorStream(true).start();
    }
}
