package dev.ratelimit.servlet;

import dev.ratelimit.Decision;
import dev.ratelimit.Limit;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The {@code 429} a denied request gets: {@code Retry-After} in whole seconds rounded up and an
 * {@code application/problem+json} body whose detail describes the limit as configured.
 */
final class ProblemResponse {

    private ProblemResponse() {}

    /** Writes the {@code 429} for {@code decision}. */
    static void deny(HttpServletResponse response, Decision decision, String problemType) throws IOException {
        long retry = RateLimitHeaders.seconds(decision.retryAfter());
        response.setStatus(429);
        response.setHeader("Retry-After", Long.toString(retry));
        response.setContentType("application/problem+json");
        response.setCharacterEncoding("UTF-8");
        byte[] body = ("{\"type\":\"" + problemType + "\",\"title\":\"Too Many Requests\",\"status\":429,\"detail\":\""
                        + detail(decision) + "\",\"retryAfter\":" + retry + "}")
                .getBytes(StandardCharsets.UTF_8);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    /**
     * The limit that denied longest, as configured: "Rate limit exceeded. Max 5 requests per 60
     * minutes." for a window; a token bucket says its refill rate and, when it differs, its burst:
     * "Rate limit exceeded. Max 10 requests per 1 second, bursts up to 20."
     */
    static String detail(Decision decision) {
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
