package dev.ratelimit.http;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;

/**
 * The {@code 429 Too Many Requests} a denied request gets, whatever the web stack: the status,
 * {@code Retry-After} in whole seconds rounded up ({@link #retryAfterSeconds}) and an
 * {@code application/problem+json} body ({@link #body}) whose detail describes the limit as
 * configured:
 *
 * <pre>{@code
 * {"type":"about:blank","title":"Too Many Requests","status":429,
 *  "detail":"Rate limit exceeded. Max 5 requests per 60 minutes.","retryAfter":1800}
 * }</pre>
 *
 * <p>A filter sets the quota headers too ({@link QuotaHeaders}). Thread-safe; no instances.
 */
public final class TooManyRequests {

    /** The status code, 429. */
    public static final int STATUS = 429;

    /** The body's media type, without parameters (the body is UTF-8). */
    public static final String CONTENT_TYPE = "application/problem+json";

    private TooManyRequests() {}

    /**
     * The value of {@code Retry-After} for {@code decision}: whole seconds, rounded up.
     *
     * @param decision a decision
     * @return its {@link Decision#retryAfter()} in whole seconds, rounded up
     */
    public static long retryAfterSeconds(Decision decision) {
        return QuotaHeaders.seconds(decision.retryAfter());
    }

    /**
     * The UTF-8 problem body for {@code decision}.
     *
     * @param decision a denial
     * @param problemType the {@code type} URI, already checked by {@link #checkProblemType}
     * @return the JSON object, its {@code detail} from {@link #detail} and its {@code retryAfter}
     *     from {@link #retryAfterSeconds}, encoded in UTF-8
     */
    public static byte[] body(Decision decision, String problemType) {
        return ("{\"type\":\"" + problemType + "\",\"title\":\"Too Many Requests\",\"status\":429,\"detail\":\""
                        + detail(decision) + "\",\"retryAfter\":" + retryAfterSeconds(decision) + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Checks a problem {@code type} URI: absolute, with nothing that would need escaping in JSON.
     *
     * @param uri the URI: a scheme, a colon, then no quote, backslash or whitespace
     * @return {@code uri}
     * @throws IllegalArgumentException naming the URI when it is not one
     */
    public static String checkProblemType(String uri) {
        Objects.requireNonNull(uri, "uri");
        if (!uri.matches("[A-Za-z][A-Za-z0-9+.-]*:[^\"\\\\\\s]*")) {
            throw new IllegalArgumentException("problemType must be an absolute URI; got \"" + uri + "\"");
        }
        return uri;
    }

    /**
     * The limit that denied longest, as configured: "Rate limit exceeded. Max 5 requests per 60
     * minutes." for a window; a token bucket says its refill rate and, when it differs, its burst:
     * "Rate limit exceeded. Max 10 requests per 1 second, bursts up to 20."
     *
     * @param decision a denial; the limit whose per-limit denial has the longest retry-after is
     *     described, or the decision's governing limit if none has one as long as the decision's
     * @return the sentence, without the retry time
     */
    public static String detail(Decision decision) {
        Decision denying = decision;
        for (Decision limit : decision.perLimit()) {
            if (!limit.allowed() && limit.retryAfter().compareTo(denying.retryAfter()) >= 0) {
                denying = limit;
            }
        }
        Limit limit = denying.governingLimit();
        long permits = limit.permits();
        String burst = limit.algorithm() == Limit.Algorithm.TOKEN_BUCKET && limit.capacity() != permits
                ? ", bursts up to " + limit.capacity()
                : "";
        return "Rate limit exceeded. Max " + permits + (permits == 1 ? " request" : " requests") + " per "
                + window(limit.window()) + burst + ".";
    }

    /** 60 minutes for an hour, as people say it; seconds, minutes, hours or days otherwise. */
    static String window(Duration window) {
        long seconds = window.getSeconds();
        if (window.getNano() != 0 || seconds == 0) {
            long millis = window.toMillis();
            return millis + (millis == 1 ? " millisecond" : " milliseconds");
        }
        if (seconds % 86_400 == 0 && seconds > 86_400) {
            return unit(seconds / 86_400, "day");
        }
        if (seconds % 3_600 == 0 && seconds > 3_600) {
            return unit(seconds / 3_600, "hour");
        }
        if (seconds % 60 == 0) {
            return unit(seconds / 60, "minute");
        }
        return unit(seconds, "second");
    }

    private static String unit(long n, String name) {
        return n + " " + name + (n == 1 ? "" : "s");
    }
}
