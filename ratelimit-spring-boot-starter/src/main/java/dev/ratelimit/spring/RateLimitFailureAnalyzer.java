package dev.ratelimit.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a {@code ratelimit.*} property that cannot be used into a start-up message that names it. */
final class RateLimitFailureAnalyzer extends AbstractFailureAnalyzer<InvalidRateLimitConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable root, InvalidRateLimitConfigurationException cause) {
        String property = cause.property();
        return new FailureAnalysis(
                "Rate limiting cannot start: '" + property + "' is not valid: " + cause.reason(),
                "Correct '" + property + "' in your configuration (application.yml, application.properties or the "
                        + "environment). See the ratelimit README for the syntax.",
                cause);
    }
}
