package dev.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.email.AddResult;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FailoverEmailStoreTest {

    @TempDir
    Path spool;

    /** A wrong argument is the caller's error: it reaches the caller as such and costs the store nothing. */
    @Test
    void wrongArguments_throwIllegalArgument_andNeverOpenTheStoresBreaker() {
        EmailStore primary = EmailStore.inMemory();
        EmailStore fallback = EmailStore.inMemory();
        try (EmailStore store = EmailStore.failover(List.of(primary, fallback), spool.resolve("spool"))) {
            for (int i = 0; i < 30; i++) {
                assertThatThrownBy(() -> store.page("not-a-cursor", 10))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("cursor");
                assertThatThrownBy(() -> store.page(null, 0))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("page size");
            }
            assertThat(store.add("ada@example.com", "test")).isEqualTo(AddResult.ADDED);
            assertThat(primary.contains("ada@example.com"))
                    .as("the primary still takes addresses")
                    .isTrue();
            assertThat(fallback.contains("ada@example.com")).isFalse();
        }
    }
}
