package dev.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RedisConfigTest {

    private static final String SECRET = "s3cr#t%@/?";

    @Test
    void standalone_withUserPasswordAndDatabase() {
        RedisConfig config = RedisConfig.fromUrl("redis://app:p%40ss%23w%25rd@cache.internal:6380/2");
        assertThat(config.mode()).isEqualTo(RedisConfig.Mode.STANDALONE);
        assertThat(config.endpoints()).containsExactly(new RedisConfig.Endpoint("cache.internal", 6380));
        assertThat(config.username()).isEqualTo("app");
        assertThat(config.password()).isEqualTo("p@ss#w%rd");
        assertThat(config.database()).isEqualTo(2);
        assertThat(config.maskedUrl()).isEqualTo("redis://app:***@cache.internal:6380/2");
        assertThat(config.toString()).doesNotContain("p@ss").doesNotContain("p%40ss");
    }

    @Test
    void defaults_andPasswordOnly() {
        RedisConfig config = RedisConfig.fromUrl("redis://:secret@localhost");
        assertThat(config.endpoints()).containsExactly(new RedisConfig.Endpoint("localhost", 6379));
        assertThat(config.username()).isNull();
        assertThat(config.password()).isEqualTo("secret");
        assertThat(config.maskedUrl()).isEqualTo("redis://:***@localhost:6379");
        assertThat(RedisConfig.fromUrl("redis://localhost").maskedUrl()).isEqualTo("redis://localhost:6379");
    }

    @Test
    void ipv6Literals() {
        RedisConfig config = RedisConfig.fromUrl("redis://[::1]:6390");
        assertThat(config.endpoints()).containsExactly(new RedisConfig.Endpoint("::1", 6390));
        assertThat(config.maskedUrl()).isEqualTo("redis://[::1]:6390");
        assertThat(RedisConfig.fromUrl("redis://[fd00::1]").endpoints().get(0).port())
                .isEqualTo(6379);
    }

    @Test
    void tls_withVerifyAndCa() {
        RedisConfig config = RedisConfig.fromUrl("rediss://:pw@redis.example.com:6380?verify=ca&ca=/etc/ssl/redis.pem");
        assertThat(config.tls()).isTrue();
        assertThat(config.tlsVerify()).isEqualTo(RedisConfig.TlsVerify.CA);
        assertThat(config.caCertificate()).isEqualTo(Path.of("/etc/ssl/redis.pem"));
        assertThat(config.maskedUrl())
                .isEqualTo("rediss://:***@redis.example.com:6380?verify=ca&ca=/etc/ssl/redis.pem");
    }

    @Test
    void cluster_fromSeedListOrFlag() {
        RedisConfig seeds = RedisConfig.fromUrl("redis://:pw@10.0.0.1:7000,10.0.0.2:7001,[fd00::3]:7002");
        assertThat(seeds.mode()).isEqualTo(RedisConfig.Mode.CLUSTER);
        assertThat(seeds.endpoints()).hasSize(3);
        assertThat(seeds.maskedUrl()).isEqualTo("redis://:***@10.0.0.1:7000,10.0.0.2:7001,[fd00::3]:7002");
        RedisConfig flag = RedisConfig.fromUrl("redis://clustercfg.example.com:6379?cluster=true");
        assertThat(flag.mode()).isEqualTo(RedisConfig.Mode.CLUSTER);
        assertThat(flag.maskedUrl()).endsWith("?cluster=true");
    }

    @Test
    void sentinel_withMasterName() {
        RedisConfig config = RedisConfig.fromUrl("redis-sentinel://:pw@s1:26379,s2/1#mymaster");
        assertThat(config.mode()).isEqualTo(RedisConfig.Mode.SENTINEL);
        assertThat(config.sentinelMaster()).isEqualTo("mymaster");
        assertThat(config.endpoints())
                .containsExactly(new RedisConfig.Endpoint("s1", 26379), new RedisConfig.Endpoint("s2", 26379));
        assertThat(config.database()).isEqualTo(1);
        assertThat(config.maskedUrl()).isEqualTo("redis-sentinel://:***@s1:26379,s2:26379/1#mymaster");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "redis://:pa#ss@host:6379                | contains a raw '#': percent-encode it as %23",
                "redis://:pa/ss@host:6379                | contains a raw '/': percent-encode it as %2F",
                "redis://:pa?ss@host:6379                | contains a raw '?': percent-encode it as %3F",
                "redis://:p@ss@host:6379                 | contains a raw '@': percent-encode it as %40",
                "redis://:100%sure@host:6379             | percent-encode a literal '%' as %25",
                "http://host:6379                        | unknown scheme 'http'",
                "host:6379                               | has no scheme",
                "redis://                                | names no host",
                "redis://:secret@                        | names no host",
                "redis://host:port                       | port that is not a number",
                "redis://host:99999                      | port that is not a number",
                "redis://host/abc                        | the only path is the database index",
                "redis://host#frag                       | only redis-sentinel:// URLs name a master",
                "redis-sentinel://host:26379             | names the master after '#'",
                "redis://host?colour=blue                | unknown option 'colour'",
                "redis://secretonly@host                 | without ':'",
                "redis://secret:@host                    | a user name is given without a password",
                "redis://a:1,b:2/3                       | only database 0",
                "redis://::1:6379                        | IPv6 host goes in brackets",
                "'   '                                   | REDIS_URL is empty",
            })
    void malformedUrls_nameTheProblem(String url, String expected) {
        assertThatThrownBy(() -> RedisConfig.fromUrl(url))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(expected)
                .satisfies(
                        e -> assertThat(e.getMessage()).doesNotContain("pa#ss", "pa/ss", "p@ss", "100%sure", "secret"));
    }

    @Test
    void aMissingAt_neverEchoesThePassword() {
        for (String url : List.of("redis://user:" + SECRET, "redis://admin:hunter2", "redis://x:hunter2:more")) {
            assertThatThrownBy(() -> RedisConfig.fromUrl(url))
                    .isInstanceOf(IllegalArgumentException.class)
                    .satisfies(e ->
                            assertThat(e.getMessage()).doesNotContain("hunter2").doesNotContain("s3cr"));
        }
    }

    @Test
    void builder_takesARawPassword() {
        RedisConfig config = RedisConfig.builder()
                .endpoint("[::1]", 6379)
                .password(SECRET)
                .tls(true)
                .tlsVerify(RedisConfig.TlsVerify.NONE)
                .build();
        assertThat(config.password()).isEqualTo(SECRET);
        assertThat(config.toString()).doesNotContain("s3cr");
        assertThatThrownBy(() -> RedisConfig.builder().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("needs an endpoint");
        assertThatThrownBy(() -> RedisConfig.builder().password("a").password("b"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("password was already set");
        RedisConfig.Builder standalone = RedisConfig.builder().endpoint("a", 1).endpoint("b", 2);
        assertThat(standalone.build().mode()).isEqualTo(RedisConfig.Mode.CLUSTER);
        assertThat(standalone.database(1))
                .as("build() left the builder as it was")
                .isNotNull();
        assertThatThrownBy(standalone::build).hasMessageContaining("only database 0");
    }

    /**
     * A refused connection as the connector reports it with Lettuce 7.7 (seen in
     * RedisBackendTest), then the same with a host name in place of the address.
     */
    private static final String REFUSED = "not connected to Redis at redis://:***@127.0.0.1:6379: Unable to connect to "
            + "127.0.0.1/<unresolved>:6379: io.netty.channel.AbstractChannel$AnnotatedConnectException: Connection "
            + "refused: /127.0.0.1:6379; not connected to Redis at redis://:***@redis-host:6379: Unable to connect to "
            + "redis-host/<unresolved>:6379: io.netty.channel.AbstractChannel$AnnotatedConnectException: Connection "
            + "refused: redis-host/10.0.0.5:6379";

    @ParameterizedTest
    @ValueSource(strings = {"connect", "redis", "host", "127", "to", "Unable", "6379", "Connection", "refused", "***"})
    void mask_neverTouchesAWordThatEqualsThePassword(String password) {
        assertThat(REFUSED).contains(password);
        assertThat(RedisConfig.mask(REFUSED)).isEqualTo(REFUSED);
        RedisConfig config = RedisConfig.builder()
                .endpoint("127.0.0.1", 6379)
                .password(password)
                .build();
        String withUrl = "cannot reach redis://default:" + RedisUrl.encode(password) + "@127.0.0.1:6379: " + REFUSED;
        assertThat(RedisConfig.mask(withUrl)).isEqualTo("cannot reach redis://default:***@127.0.0.1:6379: " + REFUSED);
        assertThat(config.maskedUrl()).isEqualTo("redis://:***@127.0.0.1:6379");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '~',
            value = {
                "redis://:hunter2@cache:6379                        | redis://:***@cache:6379",
                "rediss://app:p%40ss%23w%25rd@cache.internal:6380/2 | rediss://app:***@cache.internal:6380/2",
                "at redis-sentinel://admin:hunter2@s1:26379#mymaster | at redis-sentinel://admin:***@s1:26379#mymaster",
                "GET https://user:tok3n@example.com/path failed     | GET https://user:***@example.com/path failed",
                "redis://hunter2@cache:6379                         | redis://***@cache:6379",
                "redis://:p@ss@cache:6379                           | redis://:***@cache:6379",
                "redis://:a1@[::1]:7000,redis://:b2@10.0.0.2:7001   | redis://:***@[::1]:7000,redis://:***@10.0.0.2:7001",
                "http://cache:8080/path?x=1                         | http://cache:8080/path?x=1",
                "redis://[::1]:6379 and mailto:a@b.example          | redis://[::1]:6379 and mailto:a@b.example",
            })
    void mask_hidesThePasswordOfAnyUrl(String text, String masked) {
        assertThat(RedisConfig.mask(text)).isEqualTo(masked);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '~',
            value = {
                "password=hunter2 host=127.0.0.1                    | password=*** host=127.0.0.1",
                "{\"password\":\"hun\\\"ter2\",\"host\":\"h\"}          | {\"password\":\"***\",\"host\":\"h\"}",
                "requirepass: hunter2                               | requirepass: ***",
                "sentinelPassword='hunter 2', db=1                  | sentinelPassword='***', db=1",
                "redis://cache:6379?password=hunter2&db=1           | redis://cache:6379?password=***&db=1",
                "Token = abc.def                                    | Token = ***",
                "ERR invalid password                               | ERR invalid password",
                "WRONGPASS invalid username-password pair or user is disabled. | WRONGPASS invalid username-password pair or user is disabled.",
                "AUTH failed for hunter2                            | AUTH failed for hunter2",
            })
    void mask_hidesCredentialFields_only(String text, String masked) {
        assertThat(RedisConfig.mask(text)).isEqualTo(masked);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '~',
            value = {
                "ERR unknown command `HELLO`, with args beginning with: `3`, `AUTH`, `default`, `hunter2`, | "
                        + "ERR unknown command `HELLO`, with args beginning with: `3`, `AUTH` ***",
                "ERR unknown command 'HELLO', with args beginning with: '3' 'AUTH' 'app' 'hun'ter2' 'SETNAME' 'x' | "
                        + "ERR unknown command 'HELLO', with args beginning with: '3' 'AUTH' ***",
            })
    void mask_hidesTheArgumentsAfterAuth_thatAServerEchoes(String text, String masked) {
        assertThat(RedisConfig.mask(text)).isEqualTo(masked);
    }

    @Test
    void surroundingWhitespace_inTheUrl_isIgnored() {
        assertThat(RedisConfig.fromUrl(" redis://:pw@cache.internal:6380/2\n"))
                .isEqualTo(RedisConfig.fromUrl("redis://:pw@cache.internal:6380/2"));
    }
}
