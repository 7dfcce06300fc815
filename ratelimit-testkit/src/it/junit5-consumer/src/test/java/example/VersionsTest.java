package example;

import static org.assertj.core.api.Assertions.assertThat;

import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

/** The project's own JUnit and AssertJ are the ones on the test class path, not the testkit's. */
class VersionsTest {

    @Test
    void theProjectsVersionsWin() {
        assertThat(jarOf(Test.class)).endsWith("junit-jupiter-api-5.11.4.jar");
        assertThat(jarOf(Assertions.class)).endsWith("assertj-core-3.26.3.jar");
    }

    private static String jarOf(Class<?> type) {
        return type.getProtectionDomain().getCodeSource().getLocation().getPath();
    }
}
