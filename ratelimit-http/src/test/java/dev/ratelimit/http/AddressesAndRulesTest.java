package dev.ratelimit.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import dev.ratelimit.Policy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class AddressesAndRulesTest {

    @ParameterizedTest
    @CsvSource({
        "203.0.113.7, 203.0.113.7",
        "203.0.113.7:8080, 203.0.113.7",
        "::ffff:203.0.113.7, 203.0.113.7",
        "[::ffff:203.0.113.7]:443, 203.0.113.7",
        "2001:db8::1, 2001:db8:0:0:0:0:0:0/64",
        "[2001:db8:1:2:3:4:5:6]:4711, 2001:db8:1:2:0:0:0:0/64",
        "fe80::1%eth0, fe80:0:0:0:0:0:0:0/64",
        "::1, 0:0:0:0:0:0:0:0/64",
        "1:2:3:4:5:6:1.2.3.4, 1:2:3:4:0:0:0:0/64",
    })
    void literals_parseToTheirKey(String literal, String key) {
        assertThat(IpAddress.key(IpAddress.parse(literal), 64)).isEqualTo(key);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "localhost",
                "example.com",
                "1.2.3",
                "01.2.3.4",
                "256.1.1.1",
                "1.2.3.4.5",
                "::g",
                "1:2:3:4:5:6:7:8:9",
                "1::2::3",
                "[::1",
                "1.2.3.4:port",
                "unknown",
                "_hidden",
                "12345::"
            })
    void nonLiterals_areRejected_withoutAnyLookup(String text) {
        assertThat(IpAddress.parse(text)).isNull();
    }

    @Test
    void ipv6Prefix_isConfigurable() {
        byte[] address = IpAddress.parse("2001:db8:aaaa:bbbb:cccc::1");
        assertThat(IpAddress.key(address, 48)).isEqualTo("2001:db8:aaaa:0:0:0:0:0/48");
        assertThat(IpAddress.key(address, 128)).isEqualTo("2001:db8:aaaa:bbbb:cccc:0:0:1/128");
    }

    @Test
    void cidrs_containTheirAddresses() {
        assertThat(Cidr.parse("10.0.0.0/8").contains(IpAddress.parse("10.200.3.4")))
                .isTrue();
        assertThat(Cidr.parse("10.0.0.0/8").contains(IpAddress.parse("11.0.0.1")))
                .isFalse();
        assertThat(Cidr.parse("192.168.1.128/25").contains(IpAddress.parse("192.168.1.200")))
                .isTrue();
        assertThat(Cidr.parse("192.168.1.128/25").contains(IpAddress.parse("192.168.1.100")))
                .isFalse();
        assertThat(Cidr.parse("fd00::/8").contains(IpAddress.parse("fd12:3456::1")))
                .isTrue();
        assertThat(Cidr.parse("fd00::/8").contains(IpAddress.parse("10.0.0.1"))).isFalse();
        assertThat(Cidr.parse("127.0.0.1").contains(IpAddress.parse("127.0.0.1")))
                .isTrue();
        assertThat(Cidr.parse("::ffff:10.0.0.0/104").contains(IpAddress.parse("10.9.9.9")))
                .isTrue();
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33")).hasMessageContaining("0 to 32");
        assertThatThrownBy(() -> Cidr.parse("intranet")).hasMessageContaining("not an IP network");
    }

    private static final byte[] PROXY = IpAddress.parse("10.0.0.1");
    private static final String PEER = "10.0.0.1";

    private static String client(ForwardedHeader header, List<String> lines) {
        ClientIp clientIp = new ClientIp(List.of(Cidr.parse("10.0.0.0/8")), header);
        return IpAddress.key(clientIp.resolve(PROXY, lines), 64);
    }

    /** One Forwarded line from a trusted peer (10.0.0.1, inside 10.0.0.0/8) and the client it names. */
    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '~',
            value = {
                "for=192.0.2.60;proto=http;by=203.0.113.43                  | 192.0.2.60",
                "proto=https;FOR=192.0.2.60                                 | 192.0.2.60",
                "For=\"192.0.2.43:47011\"                                  | 192.0.2.43",
                "for=\"[2001:db8:cafe::17]:4711\"                          | 2001:db8:cafe:0:0:0:0:0/64",
                "for=\"[2001:db8:cafe::17]\"                               | 2001:db8:cafe:0:0:0:0:0/64",
                "for=\"[2001:db8:cafe::17]:_p1\"                           | 2001:db8:cafe:0:0:0:0:0/64",
                "for=[2001:db8:cafe::17]:4711                               | 2001:db8:cafe:0:0:0:0:0/64",
                "for=\"192.0.2.\\61\"                                      | 192.0.2.61",
                " for=192.0.2.1 ; proto=http                                | 192.0.2.1",
                "for=192.0.2.1, ,                                           | 192.0.2.1",
                "for=192.0.2.1, ;                                           | " + PEER,
                "for=198.51.100.7, for=192.0.2.1                            | 192.0.2.1",
                "for=192.0.2.1, for=10.0.0.7                                | 192.0.2.1",
                "for=192.0.2.1, for=_hidden, for=10.0.0.7                   | 10.0.0.7",
                "for=192.0.2.1;by=\"10.0.0.9, for=198.51.100.66\"          | 192.0.2.1",
                "for=\"198.51.100.7, for=192.0.2.1                          | 192.0.2.1",
                "for=\"_gazonk\"                                           | " + PEER,
                "for=unknown                                                | " + PEER,
                "for=\"unknown:4711\"                                      | " + PEER,
                "for=\"192.0.2.43:_\"                                      | " + PEER,
                "for=192.0.2.1, proto=https                                 | " + PEER,
                "for=192.0.2.1;for=198.51.100.2                             | " + PEER,
                "for=192.0.2.1;proto=http;PROTO=https                       | " + PEER,
                "for=192.0.2.1 junk                                         | " + PEER,
                "for =192.0.2.1                                             | " + PEER,
                "for                                                        | " + PEER,
                "=192.0.2.1                                                 | " + PEER,
                "for=                                                       | " + PEER,
                "for=\"192.0.2.1                                            | " + PEER,
                "for=<script>                                               | " + PEER,
                "for=localhost                                              | " + PEER,
            })
    void forwarded_isReadAsRfc7239Writes(String line, String client) {
        assertThat(client(ForwardedHeader.FORWARDED, List.of(line))).isEqualTo(client);
    }

    static Stream<Arguments> forwardedLines() {
        return Stream.of(
                Arguments.of(List.of("for=198.51.100.1", "for=192.0.2.1"), "192.0.2.1"),
                Arguments.of(List.of("for=192.0.2.1", "for=10.0.0.9"), "192.0.2.1"),
                Arguments.of(List.of("for=192.0.2.1", "for=\"10.0.0.9"), PEER),
                Arguments.of(List.of("for=\"192.0.2.1", "for=10.0.0.9"), "10.0.0.9"),
                Arguments.of(List.of(), PEER));
    }

    @ParameterizedTest
    @MethodSource("forwardedLines")
    void forwarded_linesAreOneListInOrder_butAQuoteNeverSpansThem(List<String> lines, String client) {
        assertThat(client(ForwardedHeader.FORWARDED, lines)).isEqualTo(client);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "203.0.113.9, 10.0.0.2          | 203.0.113.9",
                "6.6.6.6, 203.0.113.9           | 203.0.113.9",
                "203.0.113.9,,                  | 203.0.113.9",
                "[2001:db8::1]:4711             | 2001:db8:0:0:0:0:0:0/64",
                "203.0.113.9:51234              | 203.0.113.9",
                "203.0.113.9, unknown           | " + PEER,
                "203.0.113.9, _hidden, 10.0.0.3 | 10.0.0.3",
                "for=192.0.2.1                  | " + PEER,
            })
    void xForwardedFor_isReadRightToLeft(String line, String client) {
        assertThat(client(ForwardedHeader.X_FORWARDED_FOR, List.of(line))).isEqualTo(client);
        assertThat(client(ForwardedHeader.X_FORWARDED_FOR, List.of("198.51.100.1", line)))
                .isEqualTo(client);
    }

    @Test
    void anUntrustedPeer_isTheClient_whateverItsHeadersSay() {
        byte[] peer = IpAddress.parse("198.51.100.5");
        for (ForwardedHeader header : ForwardedHeader.values()) {
            List<String> lines = List.of(header == ForwardedHeader.FORWARDED ? "for=192.0.2.1" : "192.0.2.1");
            assertThat(new ClientIp(List.of(Cidr.parse("10.0.0.0/8")), header).resolve(peer, lines))
                    .isEqualTo(peer);
            assertThat(new ClientIp(List.of(), header).resolve(PROXY, lines)).isEqualTo(PROXY);
        }
    }

    @Test
    void ruleSpecs_readAsWritten() {
        RuleSpec generate = RuleSpec.parse("POST /api/generate = 5/1h");
        assertThat(generate.methods()).containsExactly("POST");
        assertThat(generate.pattern()).isEqualTo("/api/generate");
        assertThat(generate.policy().name()).isEqualTo("api-generate");
        assertThat(generate.policy().limits()).containsExactly(Limit.perHour(5));

        RuleSpec search =
                RuleSpec.parse("search: get, post /api/search/* = 100/1m sliding, 10/PT1S token-bucket burst 20");
        assertThat(search.methods()).containsExactlyInAnyOrder("GET", "POST");
        assertThat(search.policy().name()).isEqualTo("search");
        assertThat(search.policy().limits())
                .containsExactly(
                        Limit.perMinute(100).slidingWindow(),
                        Limit.of(10, Duration.ofSeconds(1)).tokenBucket().burst(20));

        assertThat(RuleSpec.parse("* *.json = 1/500ms").methods()).isEmpty();
        assertThat(RuleSpec.parse("* /* = 1/1d").policy().name()).isEqualTo("all");
        assertThat(RuleSpec.parseAll("GET /a = 1/1s; POST /b = 2/2s\n# note\n")).hasSize(2);
    }

    @Test
    void badRuleSpecs_sayWhatIsWrong() {
        assertThatThrownBy(() -> RuleSpec.parse("/api/generate 5 per hour"))
                .hasMessageContaining("expected [name:] METHODS PATH = LIMIT");
        assertThatThrownBy(() -> RuleSpec.parse("POST /api = five/1h"))
                .hasMessageContaining("cannot read the limit \"five/1h\"");
        assertThatThrownBy(() -> RuleSpec.parse("POST /api = 5/1 fortnight"))
                .hasMessageContaining("cannot read the limit");
        assertThatThrownBy(() -> RuleSpec.parse("POST /api = 5/1w"))
                .hasMessageContaining("cannot read the window \"1w\"");
        assertThatThrownBy(() -> new RequestRule(Set.of(), "api/*", null)).hasMessageContaining("/exact, /prefix/*");
    }

    @Test
    void rules_matchTheirPaths() {
        assertThat(new RequestRule(Set.of("POST"), "/api/*", null).matches("POST", "/api"))
                .isTrue();
        assertThat(new RequestRule(Set.of("POST"), "/api/*", null).matches("POST", "/api/x/y"))
                .isTrue();
        assertThat(new RequestRule(Set.of("POST"), "/api/*", null).matches("POST", "/apix"))
                .isFalse();
        assertThat(new RequestRule(Set.of("POST"), "/api/*", null).matches("GET", "/api/x"))
                .isFalse();
        assertThat(new RequestRule(Set.of(), "*.json", null).matches("GET", "/a/b.json"))
                .isTrue();
        assertThat(new RequestRule(Set.of(), "/exact", null).matches("PUT", "/exact/"))
                .isFalse();
    }

    @Test
    void problemDetail_namesTheWindowAsPeopleSayIt() {
        assertThat(TooManyRequests.window(Duration.ofHours(1))).isEqualTo("60 minutes");
        assertThat(TooManyRequests.window(Duration.ofMinutes(1))).isEqualTo("1 minute");
        assertThat(TooManyRequests.window(Duration.ofSeconds(10))).isEqualTo("10 seconds");
        assertThat(TooManyRequests.window(Duration.ofDays(1))).isEqualTo("24 hours");
        assertThat(TooManyRequests.window(Duration.ofDays(7))).isEqualTo("7 days");
        assertThat(TooManyRequests.window(Duration.ofMillis(500))).isEqualTo("500 milliseconds");
    }

    private static String detail(Policy policy, int denyingIndex) {
        List<Decision> perLimit = new ArrayList<>();
        for (int i = 0; i < policy.limits().size(); i++) {
            boolean denies = i == denyingIndex;
            perLimit.add(Decision.ofLimit(policy, i, !denies, denies ? 0 : 1, 1_000_000, denies ? 1_000_000 : 0));
        }
        return TooManyRequests.detail(Decision.combine(policy, perLimit));
    }

    @Test
    void problemDetail_describesTheLimitAsConfigured_forEveryAlgorithm() {
        assertThat(detail(Policy.of("g", Limit.perHour(5)), 0))
                .isEqualTo("Rate limit exceeded. Max 5 requests per 60 minutes.");
        assertThat(detail(Policy.of("s", Limit.perMinute(1).slidingWindow()), 0))
                .isEqualTo("Rate limit exceeded. Max 1 request per 1 minute.");
        assertThat(detail(Policy.of("t", Limit.of(1, Duration.ofSeconds(10)).tokenBucket()), 0))
                .isEqualTo("Rate limit exceeded. Max 1 request per 10 seconds.");
        Policy both = Policy.of(
                "both", Limit.perHour(100), Limit.perSecond(10).tokenBucket().burst(3));
        assertThat(detail(both, 0)).isEqualTo("Rate limit exceeded. Max 100 requests per 60 minutes.");
        assertThat(detail(both, 1)).isEqualTo("Rate limit exceeded. Max 10 requests per 1 second, bursts up to 3.");
    }

    @Test
    void tokenBucketDetail_saysTheRateAndTheBurst_notTheBurstPerRefillWindow() {
        assertThat(detail(Policy.of("b", Limit.perSecond(10).tokenBucket().burst(20)), 0))
                .isEqualTo("Rate limit exceeded. Max 10 requests per 1 second, bursts up to 20.");
    }
}
