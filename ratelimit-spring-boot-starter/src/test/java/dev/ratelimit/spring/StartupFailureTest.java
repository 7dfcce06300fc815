package dev.ratelimit.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ratelimit.spring.app.mvc.MvcApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** A property that cannot be used stops start-up with a message that names it, and no secret. */
@ExtendWith(OutputCaptureExtension.class)
class StartupFailureTest {

    /** Starts the application with {@code properties} as command-line arguments, above application.yml. */
    private static void start(String... properties) {
        String[] args = new String[properties.length + 1];
        args[0] = "--server.port=0";
        for (int i = 0; i < properties.length; i++) {
            args[i + 1] = "--" + properties[i];
        }
        new SpringApplicationBuilder(MvcApp.class).run(args).close();
    }

    @Test
    void aMalformedRedisUrl_namesTheProperty_notThePassword(CapturedOutput output) {
        assertThatThrownBy(() -> start("ratelimit.redis.url=redis://default:s3cr#tpass@localhost:6379"))
                .hasRootCauseInstanceOf(IllegalArgumentException.class);
        assertThat(output)
                .contains("APPLICATION FAILED TO START")
                .contains("'ratelimit.redis.url' is not valid")
                .contains("%23")
                .doesNotContain("s3cr")
                .doesNotContain("tpass")
                .doesNotContain("REDIS_URL");
    }

    @Test
    void aMalformedRule_namesTheProperty(CapturedOutput output) {
        assertThatThrownBy(
                () -> start("ratelimit.rules[0].path=/api/generate", "ratelimit.rules[0].limits=5 per hour"));
        assertThat(output)
                .contains("'ratelimit.rules[0].limits' is not valid")
                .contains("cannot read the limit \"5 per hour\"");
    }

    @Test
    void aMalformedPolicy_namesTheProperty(CapturedOutput output) {
        assertThatThrownBy(() -> start("ratelimit.policies.annotated=5/1w"));
        assertThat(output)
                .contains("'ratelimit.policies.annotated' is not valid")
                .contains("cannot read the window \"1w\"");
    }

    @Test
    void aPathPatternThatIsNone_namesTheProperty(CapturedOutput output) {
        assertThatThrownBy(() -> start("ratelimit.rules[0].path=api/*", "ratelimit.rules[0].policy=annotated"));
        assertThat(output).contains("'ratelimit.rules[0].path' is not valid").contains("/exact, /prefix/*");
    }
}
