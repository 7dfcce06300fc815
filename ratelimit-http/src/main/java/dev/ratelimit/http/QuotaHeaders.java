package dev.ratelimit.http;

import dev.ratelimit.Decision;
import dev.ratelimit.Policy;
import java.time.Duration;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * How a response tells the client about its quota, whatever the web stack: the header writer is
 * given a function that sets one response header. {@link #IETF} writes the fields of
 * draft-ietf-httpapi-ratelimit-headers-10; the draft still moves, so the style is pluggable.
 */
@FunctionalInterface
public interface QuotaHeaders {

    /**
     * Writes the quota headers for {@code decision} of a request under {@code policy}, each with
     * {@code setHeader.accept(name, value)} (replacing a header of that name). Implementations must
     * be thread-safe.
     *
     * @param policy the policy the request was decided under
     * @param decision the decision for the request, allowed or denied
     * @param setHeader sets one response header, given its name and value
     */
    void write(Policy policy, Decision decision, BiConsumer<String, String> setHeader);

    /**
     * {@code RateLimit-Policy: "generate";q=5;w=3600} and {@code RateLimit: "generate";r=3;t=1800},
     * one list item per limit (named {@code <policy>-<index>} when a policy has several). For a
     * token bucket, {@code q} is its capacity and {@code w} the time to refill it from empty.
     */
    QuotaHeaders IETF = (policy, decision, setHeader) -> {
        setHeader.accept("RateLimit-Policy", IetfFields.policyField(policy));
        StringBuilder field = new StringBuilder();
        List<Decision> limits = decision.perLimit();
        for (int i = 0; i < limits.size(); i++) {
            Decision limit = limits.get(i);
            if (i > 0) {
                field.append(", ");
            }
            field.append('"')
                    .append(IetfFields.itemName(policy, i))
                    .append("\";r=")
                    .append(limit.remaining())
                    .append(";t=")
                    .append(seconds(limit.resetAfter()));
        }
        setHeader.accept("RateLimit", field.toString());
    };

    /**
     * {@code X-RateLimit-Limit}, {@code X-RateLimit-Remaining} and {@code X-RateLimit-Reset}
     * (seconds from now until the full quota is back), for the governing limit.
     */
    QuotaHeaders LEGACY = (policy, decision, setHeader) -> {
        setHeader.accept("X-RateLimit-Limit", Long.toString(decision.limit()));
        setHeader.accept("X-RateLimit-Remaining", Long.toString(decision.remaining()));
        setHeader.accept("X-RateLimit-Reset", Long.toString(seconds(decision.resetAfter())));
    };

    /** No quota headers (a 429 still carries {@code Retry-After}). */
    QuotaHeaders NONE = (policy, decision, setHeader) -> {};

    /**
     * Whole seconds, rounded up: what {@code Retry-After} and {@code t} carry.
     *
     * @param duration a duration, zero or more
     * @return its seconds, plus one if there is any fraction of a second
     */
    static long seconds(Duration duration) {
        long seconds = duration.getSeconds();
        return duration.getNano() > 0 ? seconds + 1 : seconds;
    }
}
