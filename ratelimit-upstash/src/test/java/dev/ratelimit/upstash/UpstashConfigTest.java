package dev.ratelimit.upstash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class UpstashConfigTest {

    @Test
    void fromEnvironment_readsBothVariables() {
        UpstashConfig config = UpstashConfig.fromEnvironment(Map.of(
                        "UPSTASH_REDIS_REST_URL", "https://eu1-fine-cat-1234.upstash.io/",
                        "UPSTASH_REDIS_REST_TOKEN", "AXXXsecretToken")::get)
                .orElseThrow();
        assertThat(config.describe()).isEqualTo("https://eu1-fine-cat-1234.upstash.io");
        assertThat(config.toString()).contains("token=***").doesNotContain("secretToken");
        assertThat(UpstashConfig.fromEnvironment(Map.<String, String>of()::get)).isEmpty();
    }

    @Test
    void halfAConfiguration_namesTheMissingVariable() {
        assertThatThrownBy(() ->
                        UpstashConfig.fromEnvironment(Map.of("UPSTASH_REDIS_REST_URL", "https://x.upstash.io")::get))
                .hasMessage("UPSTASH_REDIS_REST_URL is set but UPSTASH_REDIS_REST_TOKEN is not");
        assertThatThrownBy(() -> UpstashConfig.fromEnvironment(Map.of("UPSTASH_REDIS_REST_TOKEN", "secret")::get))
                .hasMessage("UPSTASH_REDIS_REST_TOKEN is set but UPSTASH_REDIS_REST_URL is not");
    }

    @Test
    void malformedUrls_nameTheVariable() {
        assertThatThrownBy(() -> UpstashConfig.builder("redis://x.upstash.io", "t"))
                .hasMessageContaining("https://");
        assertThatThrownBy(() -> UpstashConfig.builder("https://", "t")).hasMessageContaining("UPSTASH_REDIS_REST_URL");
        assertThatThrownBy(() -> UpstashConfig.builder("https://x.upstash.io?_token=secret", "t"))
                .hasMessageContaining("bare endpoint")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("secret"));
        assertThatThrownBy(() -> UpstashConfig.builder("https://x.upstash.io", " "))
                .hasMessage("UPSTASH_REDIS_REST_TOKEN is empty");
        assertThatThrownBy(() -> UpstashConfig.builder("https://x.upstash.io", "a b"))
                .hasMessageContaining("whitespace")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("a b"));
    }

    /** Regression: a token read from a file or a secret store with a trailing newline stopped the demo at start-up. */
    @Test
    void surroundingWhitespace_isTrimmedFromBothVariables() {
        UpstashConfig config = UpstashConfig.fromEnvironment(Map.of(
                        "UPSTASH_REDIS_REST_URL", " https://eu1-fine-cat-1234.upstash.io\n",
                        "UPSTASH_REDIS_REST_TOKEN", "AXXXsecretToken\n")::get)
                .orElseThrow();
        assertThat(config.describe()).isEqualTo("https://eu1-fine-cat-1234.upstash.io");
        assertThat(config)
                .isEqualTo(UpstashConfig.builder("https://eu1-fine-cat-1234.upstash.io", "AXXXsecretToken")
                        .build());
    }

    @Test
    void toBuilder_keepsEverything_andAnOptionIsSetOnce() {
        UpstashConfig config = UpstashConfig.builder("https://x.upstash.io", "t")
                .maxBatchSize(10)
                .build();
        assertThat(config.toBuilder().build()).isEqualTo(config);
        assertThat(config.toBuilder()
                        .linger(java.time.Duration.ofMillis(2))
                        .build()
                        .maxBatchSize())
                .isEqualTo(10);
        assertThatThrownBy(() -> UpstashConfig.builder("https://x.upstash.io", "t")
                        .maxBatchSize(10)
                        .maxBatchSize(20))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("maxBatchSize was already set");
    }
}
