package dev.ratelimit.examples;

import dev.ratelimit.Decision;
import dev.ratelimit.EmailStore;
import dev.ratelimit.email.AddResult;
import dev.ratelimit.email.InvalidEmailException;
import dev.ratelimit.servlet.RateLimitFilter;
import dev.ratelimit.spring.RateLimiters;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The Threadr demo on Spring Boot: the Jetty demo's page and thread splitter, its endpoints as a
 * controller, and its limits as rules of {@code ratelimit-spring-boot-starter} in
 * {@code application.yml}. Redis from {@code REDIS_URL}, Upstash from
 * {@code UPSTASH_REDIS_REST_URL}/{@code _TOKEN}, else memory; {@code /actuator/health} and
 * {@code /actuator/metrics/ratelimit.decisions} say how the limits are doing.
 */
@SpringBootApplication
public class ThreadrSpringDemo {

    /** Starts the service on {@code PORT} (default 8080). */
    public static void main(String[] args) {
        SpringApplication.run(ThreadrSpringDemo.class, args);
    }

    /** The endpoints. */
    @RestController
    public static class Endpoints {

        private final RateLimiters limiters;
        private final EmailStore emails;

        /** Made by Spring. */
        public Endpoints(RateLimiters limiters, EmailStore emails) {
            this.limiters = limiters;
            this.emails = emails;
        }

        /** {@code POST /api/generate {"text": "…"}}: the text as a thread. */
        @PostMapping(path = "/api/generate", consumes = MediaType.APPLICATION_JSON_VALUE)
        public ResponseEntity<?> generate(@RequestBody Map<String, Object> body) {
            Object text = body.get("text");
            if (!(text instanceof String s) || s.isBlank()) {
                return problem(HttpStatus.BAD_REQUEST, "the text is empty");
            }
            if (ThreadSplitter.length(s) > DemoEndpoints.MAX_TEXT) {
                return problem(
                        HttpStatus.BAD_REQUEST, "the text is longer than " + DemoEndpoints.MAX_TEXT + " characters");
            }
            List<String> posts = ThreadSplitter.split(s);
            Map<String, Object> thread = new LinkedHashMap<>();
            thread.put("count", posts.size());
            thread.put("posts", posts);
            return ResponseEntity.ok(thread);
        }

        /** {@code POST /api/capture-email {"email": "…"}}: 201 added, 200 known, 202 spooled, 400 invalid. */
        @PostMapping(path = "/api/capture-email", consumes = MediaType.APPLICATION_JSON_VALUE)
        public ResponseEntity<?> captureEmail(@RequestBody Map<String, Object> body) {
            if (!(body.get("email") instanceof String email) || email.isBlank()) {
                return problem(HttpStatus.BAD_REQUEST, "no address was given");
            }
            AddResult result;
            try {
                result = emails.add(email, "landing-page");
            } catch (InvalidEmailException e) {
                return problem(HttpStatus.BAD_REQUEST, e.reason());
            }
            int status = switch (result) {
                case ADDED -> 201;
                case ALREADY_PRESENT -> 200;
                case SPOOLED -> 202;
            };
            return ResponseEntity.status(status)
                    .body(Map.of(
                            "status",
                            result.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')));
        }

        /** {@code GET /api/quota}: the caller's generate quota, using none of it. */
        @GetMapping("/api/quota")
        public Map<String, Object> quota(HttpServletRequest request) {
            // The filter leaves the key it counted this request against: the same client as /api/generate.
            String key = String.valueOf(request.getAttribute(RateLimitFilter.KEY_ATTRIBUTE));
            Decision d = limiters.get("generate").peek(key, 0);
            Map<String, Object> quota = new LinkedHashMap<>();
            quota.put("limit", d.limit());
            quota.put("remaining", d.remaining());
            quota.put("retryAfterSeconds", 0);
            quota.put("resetAfterSeconds", dev.ratelimit.http.QuotaHeaders.seconds(d.resetAfter()));
            if (d.remaining() == 0) {
                quota.put(
                        "retryAfterSeconds",
                        dev.ratelimit.http.QuotaHeaders.seconds(
                                limiters.get("generate").peek(key, 1).retryAfter()));
            }
            return quota;
        }

        /** {@code GET /health}. */
        @GetMapping("/health")
        public Map<String, String> health() {
            return Map.of("status", "ok");
        }

        /** The page and its files, from the Jetty demo's resources. */
        @GetMapping({"/", "/index.html", "/threadr.js", "/threadr.css", "/favicon.svg", "/favicon.ico"})
        public ResponseEntity<byte[]> page(HttpServletRequest request) throws IOException {
            String path = request.getRequestURI();
            String file = switch (path) {
                case "/", "/index.html" -> "index.html";
                case "/favicon.ico" -> "favicon.svg";
                default -> path.substring(1);
            };
            MediaType type = switch (file.substring(file.lastIndexOf('.') + 1)) {
                case "html" -> MediaType.TEXT_HTML;
                case "js" -> MediaType.parseMediaType("text/javascript");
                case "css" -> MediaType.parseMediaType("text/css");
                default -> MediaType.parseMediaType("image/svg+xml");
            };
            try (InputStream in = ThreadSplitter.class.getResourceAsStream(file)) {
                if (in == null) {
                    return ResponseEntity.notFound().build();
                }
                return ResponseEntity.ok().contentType(type).body(in.readAllBytes());
            }
        }

        private static ResponseEntity<ProblemDetail> problem(HttpStatus status, String detail) {
            ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
            problem.setType(URI.create("about:blank"));
            return ResponseEntity.status(status)
                    .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                    .body(problem);
        }
    }
}
