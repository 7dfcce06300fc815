package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.Decision;
import dev.ratelimit.EmailStore;
import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.email.AddResult;
import dev.ratelimit.testkit.redis.RedisExtension;
import dev.ratelimit.testkit.redis.RedisServer;
import dev.ratelimit.testkit.redis.TlsFiles;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisTlsAndSentinelTest {

    @RegisterExtension
    static final RedisExtension tls = RedisExtension.tls();

    private static final Policy POLICY = Policy.of("tls", Limit.perHour(10));

    @Test
    void tls_withTheRightAuthority_decides() {
        String url = tls.url() + "?ca=" + tls.tlsFiles().caCertificate();
        try (RedisConnection backend = RedisConnection.open(RedisConfig.fromUrl(url));
                RateLimiter limiter = RateLimiter.builder()
                        .policy(POLICY)
                        .backend(backend.rateLimitBackend())
                        .build()) {
            backend.awaitConnection(Duration.ofSeconds(10));
            Decision d = limiter.tryAcquire("tls-client");
            assertThat(d.source()).isEqualTo(Decision.Source.BACKEND);
            assertThat(d.remaining()).isEqualTo(9);
        }
        try (RedisConnection connection = RedisConnection.open(RedisConfig.fromUrl(url))) {
            connection.awaitConnection(Duration.ofSeconds(10));
            EmailStore store = EmailStore.scripted(connection).keyPrefix("tls").build();
            assertThat(store.add("tls@example.com")).isEqualTo(AddResult.ADDED);
        }
    }

    @Test
    void tls_withAWrongAuthority_failsWithAClearError() throws Exception {
        TlsFiles other = TlsFiles.generate(Files.createTempDirectory("other-ca"));
        String url = tls.url() + "?ca=" + other.caCertificate();
        try (RedisConnection backend = RedisConnection.open(RedisConfig.fromUrl(url))) {
            assertThatThrownBy(() -> backend.awaitConnection(Duration.ofSeconds(3)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("not connected to Redis at rediss://localhost:"
                            + tls.server().port())
                    .hasMessageContaining("TLS handshake failed: check the CA certificate and the verify option");
        }
        String unverified = tls.url() + "?verify=none";
        try (RedisConnection backend = RedisConnection.open(RedisConfig.fromUrl(unverified))) {
            backend.awaitConnection(Duration.ofSeconds(10));
        }
    }

    @Test
    void tls_toAPlainServer_andPlainToTls_fail() {
        try (RedisConnection backend = RedisConnection.open(
                RedisConfig.fromUrl("redis://localhost:" + tls.server().port()))) {
            assertThatThrownBy(() -> backend.awaitConnection(Duration.ofSeconds(3)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("not connected");
        }
    }

    @Test
    void sentinel_findsTheMaster() {
        try (RedisServer master = RedisServer.start();
                RedisServer sentinel = RedisServer.startSentinel(master, "primary")) {
            String url = "redis-sentinel://127.0.0.1:" + sentinel.port() + "#primary";
            try (RedisConnection backend = RedisConnection.open(RedisConfig.fromUrl(url));
                    RateLimiter limiter = RateLimiter.builder()
                            .policy(POLICY)
                            .backend(backend.rateLimitBackend())
                            .build();
                    RedisAdmin admin = new RedisAdmin(master.port())) {
                backend.awaitConnection(Duration.ofSeconds(10));
                assertThat(limiter.tryAcquire("via-sentinel").source()).isEqualTo(Decision.Source.BACKEND);
                assertThat(admin.sync().exists("rl:{via-sentinel}:tls:0"))
                        .as("written to the master")
                        .isEqualTo(1);
            }
        }
    }
}
