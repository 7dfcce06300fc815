package dev.ratelimit.examples;

import dev.ratelimit.Decision;
import dev.ratelimit.EmailStore;
import dev.ratelimit.RateLimiter;
import dev.ratelimit.email.AddResult;
import dev.ratelimit.email.EmailStoreException;
import dev.ratelimit.email.InvalidEmailException;
import dev.ratelimit.servlet.RateLimitFilter;
import dev.ratelimit.servlet.RateLimitHeaders;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.jetty.http.HttpStatus;

/** The demo's endpoints; each a small servlet. */
final class DemoEndpoints {

    /** Room for {@link #MAX_TEXT} characters of four UTF-8 bytes each, in JSON. */
    static final int MAX_BODY = 96 * 1024;

    static final int MAX_TEXT = 20_000;

    private DemoEndpoints() {}

    /** {@code POST /api/generate {"text": "…"}}: the text as a thread. */
    static final class Generate extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
            String text;
            try {
                text = Json.field(request, "text", MAX_BODY);
            } catch (Json.BadRequest e) {
                Json.problem(response, 400, "Bad Request", e.getMessage());
                return;
            }
            if (text.isBlank()) {
                Json.problem(response, 400, "Bad Request", "the text is empty");
                return;
            }
            if (ThreadSplitter.length(text) > MAX_TEXT) {
                Json.problem(response, 400, "Bad Request", "the text is longer than " + MAX_TEXT + " characters");
                return;
            }
            List<String> posts = ThreadSplitter.split(text);
            Json.send(response, 200, json -> {
                json.writeStartObject();
                json.writeNumberField("count", posts.size());
                json.writeArrayFieldStart("posts");
                for (String post : posts) {
                    json.writeString(post);
                }
                json.writeEndArray();
                json.writeEndObject();
            });
        }
    }

    /** {@code POST /api/capture-email {"email": "…"}}: 201 added, 200 known, 202 spooled, 400 invalid. */
    static final class CaptureEmail extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private final transient EmailStore emails;

        CaptureEmail(EmailStore emails) {
            this.emails = emails;
        }

        @Override
        protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
            String email;
            try {
                email = Json.field(request, "email", 4 * 1024);
            } catch (Json.BadRequest e) {
                Json.problem(response, 400, "Bad Request", e.getMessage());
                return;
            }
            if (email.isBlank()) {
                Json.problem(response, 400, "Invalid email address", "no address was given");
                return;
            }
            AddResult result;
            try {
                result = emails.add(email, "landing-page");
            } catch (InvalidEmailException e) {
                Json.problem(response, 400, "Invalid email address", e.reason());
                return;
            } catch (EmailStoreException e) {
                Json.problem(response, 503, "Service Unavailable", "the address could not be stored; please try again");
                return;
            }
            int status = switch (result) {
                case ADDED -> 201;
                case ALREADY_PRESENT -> 200;
                case SPOOLED -> 202;
            };
            Json.send(response, status, json -> {
                json.writeStartObject();
                json.writeStringField(
                        "status",
                        result.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
                json.writeEndObject();
            });
        }
    }

    /**
     * {@code GET /test-redis}: a write (a decision that consumes), a read (a peek) and a delete (a
     * reset) of a fresh key through the configured backends, with who answered and how long each took.
     */
    static final class TestBackend extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private final transient RateLimiter limiter;
        private final List<String> chain;

        TestBackend(RateLimiter limiter, List<String> chain) {
            this.limiter = limiter;
            this.chain = List.copyOf(chain);
        }

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            String key = "test-redis:" + UUID.randomUUID();
            long t0 = System.nanoTime();
            Decision write = limiter.tryAcquire(key);
            long t1 = System.nanoTime();
            Decision read = limiter.peek(key, 0);
            long t2 = System.nanoTime();
            String deleted = "ok";
            try {
                limiter.reset(key);
            } catch (IllegalStateException e) {
                deleted = "failed: " + e.getMessage();
            }
            long t3 = System.nanoTime();
            String answeredBy = switch (write.source()) {
                case BACKEND -> chain.get(0);
                case FALLBACK -> write.fallback();
                default -> write.source().name();
            };
            boolean roundTrip = write.allowed() && read.remaining() == write.remaining() && deleted.equals("ok");
            String result = deleted;
            Json.send(response, 200, json -> {
                json.writeStartObject();
                json.writeStringField("configured", String.join(" -> ", chain));
                json.writeStringField("answeredBy", answeredBy);
                json.writeStringField("source", write.source().name());
                json.writeBooleanField("roundTrip", roundTrip);
                json.writeNumberField("writeMillis", (t1 - t0) / 1e6);
                json.writeNumberField("readMillis", (t2 - t1) / 1e6);
                json.writeNumberField("deleteMillis", (t3 - t2) / 1e6);
                json.writeStringField("delete", result);
                json.writeEndObject();
            });
        }
    }

    /** {@code GET /health}. */
    static final class Health extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            Json.send(response, 200, json -> {
                json.writeStartObject();
                json.writeStringField("status", "ok");
                json.writeEndObject();
            });
        }
    }

    /**
     * {@code GET /api/quota}: the caller's quota for generating, using none of it —
     * {@code {"limit":5,"remaining":5,"retryAfterSeconds":0,"resetAfterSeconds":0}}. The caller
     * is who the rate-limit filter says it is: the filter leaves the key it resolved (trusted proxies
     * and IPv6 prefix applied) in the request attribute {@link RateLimitFilter#KEY_ATTRIBUTE}.
     */
    static final class Quota extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private final transient RateLimiter generate;

        Quota(RateLimiter generate) {
            this.generate = generate;
        }

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            if (!(request.getAttribute(RateLimitFilter.KEY_ATTRIBUTE) instanceof String key)) {
                throw new IllegalStateException("no rate-limit rule resolved the client of GET /api/quota");
            }
            Decision left = generate.peek(key, 0);
            Decision next = generate.peek(key);
            Json.send(response, 200, json -> {
                json.writeStartObject();
                json.writeNumberField("limit", left.limit());
                json.writeNumberField("remaining", left.remaining());
                json.writeNumberField(
                        "retryAfterSeconds", next.allowed() ? 0 : RateLimitHeaders.seconds(next.retryAfter()));
                json.writeNumberField("resetAfterSeconds", RateLimitHeaders.seconds(left.resetAfter()));
                json.writeEndObject();
            });
        }
    }

    /**
     * The error page of the servlet context: a problem naming the status only, so that nothing of
     * the request (its path, a message built from it) is echoed.
     */
    static final class ErrorPage extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            int status = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE) instanceof Integer code ? code : 404;
            Json.problem(response, status, HttpStatus.getMessage(status), null);
        }
    }

    /** {@code GET /}: the page, its script, style and icon; anything else is 404. */
    static final class Page extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private static final Map<String, String> FILES = Map.of(
                "/", "index.html",
                "/index.html", "index.html",
                "/threadr.js", "threadr.js",
                "/threadr.css", "threadr.css",
                "/favicon.svg", "favicon.svg",
                "/favicon.ico", "favicon.svg");
        private static final Map<String, String> TYPES = Map.of(
                "html", "text/html;charset=utf-8",
                "js", "text/javascript;charset=utf-8",
                "css", "text/css;charset=utf-8",
                "svg", "image/svg+xml");
        private final transient Map<String, byte[]> contents;

        Page() throws IOException {
            Map<String, byte[]> loaded = new HashMap<>();
            for (String file : FILES.values()) {
                try (InputStream in = Page.class.getResourceAsStream(file)) {
                    loaded.put(file, in.readAllBytes());
                }
            }
            contents = Map.copyOf(loaded);
        }

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            String path = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
            String file = FILES.get(path.isEmpty() ? "/" : path);
            if (file == null) {
                Json.problem(response, 404, "Not Found", "there is no page at this address");
                return;
            }
            byte[] body = contents.get(file);
            response.setContentType(TYPES.get(file.substring(file.lastIndexOf('.') + 1)));
            response.setHeader("Cache-Control", "no-cache");
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
        }
    }
}
