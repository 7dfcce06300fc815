package dev.ratelimit.upstash;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.ratelimit.EmailStore;
import dev.ratelimit.RateLimitBackend;
import dev.ratelimit.spi.Script;
import dev.ratelimit.spi.ScriptTransport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.time.Duration;

/**
 * One Upstash database (or a server speaking its REST protocol), reached with {@code java.net.http}
 * on one shared {@link HttpClient}: the rate-limit backend and the email store of that database
 * both run on it.
 *
 * <pre>{@code
 * UpstashConnection upstash = UpstashConnection.open(UpstashConfig.fromEnvironment().orElseThrow());
 * RateLimitBackend backend = upstash.rateLimitBackend();
 * EmailStore emails = upstash.emailStore();
 * }</pre>
 *
 * <p>Auto-batching: calls wait in a queue. When no request is in flight, everything queued (up to
 * {@code maxBatchSize}) goes out at once: one call alone as {@code POST /}, several as
 * {@code POST /pipeline}; a lone call is therefore never held back. While requests are in flight,
 * the queue grows into the next batch, which goes out when a request completes or as soon as it is
 * full — up to {@code maxConcurrentRequests} requests at once under heavy load. With a
 * {@code linger}, a batch smaller than the maximum waits up to that long for company.
 *
 * <p>Each call completes with its own item's result or error, so one failed command fails only its
 * caller; a failed request (transport, authentication) fails every call in it, with an
 * {@link UpstashException}. Strings arrive base64-encoded ({@code Upstash-Encoding: base64}) and
 * are decoded, except the status {@code OK}, which Upstash sends plain (an encoded one is accepted
 * too). The token appears in no message, log line or {@code toString()}. Thread-safe;
 * {@link #close()} stops the client's worker threads (on Java 17 the JDK's HTTP client keeps its
 * selector thread until it is garbage-collected).
 */
public final class UpstashConnection implements ScriptTransport {

    private static final JsonFactory JSON = new JsonFactory();
    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(UpstashConnection.class);

    private final UpstashConfig config;
    private final URI single;
    private final URI pipeline;
    private final String authorization;
    private final ExecutorService executor;
    private final HttpClient http;
    private final boolean allowKeyLocking;
    private final Map<Script, Script> flagged = new ConcurrentHashMap<>();
    private volatile boolean answered;
    private final java.util.Set<String> loaded = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final Object lock = new Object();
    private final ArrayDeque<Call> queue = new ArrayDeque<>();
    private int inFlight;
    private boolean lingerDue;
    private boolean lingerScheduled;
    private boolean closed;

    private record Call(List<String> command, CompletableFuture<Object> result) {
    }

    private UpstashConnection(UpstashConfig config) {
        this.config = config;
        this.allowKeyLocking = config.allowKeyLocking();
        this.single = URI.create(config.url() + "/");
        this.pipeline = URI.create(config.url() + "/pipeline");
        this.authorization = "Bearer " + config.token();
        this.executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "upstash-http-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        HttpClient.Builder builder = HttpClient.newBuilder().executor(executor).connectTimeout(config.connectTimeout());
        if (config.url().getScheme().equals("http")) {
            builder.version(HttpClient.Version.HTTP_1_1);
        }
        this.http = builder.build();
        // One request at once opens the first connection and warms the HTTP client; a wrong token or
        // URL shows in the log at start-up.
        execute(List.of("PING")).whenComplete((pong, failure) -> {
            if (failure != null) {
                LOG.warn("Upstash at {} did not answer yet: {}", config.describe(), cause(failure).getMessage());
            } else {
                LOG.info("Upstash at {} answered", config.describe());
            }
        });
    }

    /** A connection to the database that {@code config} describes, usable at once. */
    public static UpstashConnection open(UpstashConfig config) {
        return new UpstashConnection(java.util.Objects.requireNonNull(config, "config"));
    }

    /** The rate-limit backend on this connection, with the defaults of {@link RateLimitBackend#scripted}. */
    public RateLimitBackend rateLimitBackend() {
        return RateLimitBackend.scripted(this).build();
    }

    /**
     * The email store on this connection, with the defaults of {@link EmailStore#scripted} and a
     * timeout of the request timeout plus one second.
     */
    public EmailStore emailStore() {
        return EmailStore.scripted(this).timeout(config.requestTimeout().plusSeconds(1)).build();
    }

    @Override
    public String name() {
        return "upstash";
    }

    /**
     * The request timeout (default 1 s): an HTTP API that may sit in another region, 150 ms away
     * when healthy, plus a batch that may wait for the request in flight before it.
     */
    @Override
    public Duration deadline() {
        return config.requestTimeout();
    }

    @Override
    public CompletableFuture<Object> evalSha(Script script, String[] keys, String[] args) {
        return execute(command("EVALSHA", sent(script).sha1(), keys, args));
    }

    @Override
    public CompletableFuture<Object> evalSource(Script script, String[] keys, String[] args) {
        return execute(command("EVAL", sent(script).source(), keys, args));
    }

    /** Sends {@code SCRIPT LOAD} for {@code script} once; a failure shows in the log and changes nothing else. */
    @Override
    public void preload(Script script) {
        Script sent = sent(script);
        if (loaded.add(sent.sha1())) {
            execute(List.of("SCRIPT", "LOAD", sent.source())).whenComplete((sha, failure) -> {
                if (failure != null) {
                    loaded.remove(sent.sha1());
                }
            });
        }
    }

    private Script sent(Script script) {
        return allowKeyLocking ? flagged.computeIfAbsent(script, s -> s.withFlags("allow-key-locking")) : script;
    }

    @Override
    public String describe() {
        return config.describe();
    }

    /** The configuration this connection was opened with. */
    public UpstashConfig config() {
        return config;
    }

    /**
     * Waits until the server has answered a request, sending one every 200 ms until then: for
     * applications that would rather not start without Upstash.
     *
     * @throws IllegalStateException naming the last failure (a refused token names
     *     {@code UPSTASH_REDIS_REST_TOKEN}; the token itself never appears) if no request succeeded
     *     within {@code timeout}, or at once if the token is refused
     */
    @Override
    public void awaitConnection(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Throwable last = null;
        while (!answered) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IllegalStateException("Upstash at " + describe() + " did not answer within "
                        + timeout.toMillis() + " ms" + (last == null ? "" : ": " + last.getMessage()), last);
            }
            try {
                execute(List.of("PING")).get(left, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for Upstash", e);
            } catch (java.util.concurrent.ExecutionException e) {
                last = cause(e);
                if (last instanceof UpstashException u && u.kind() == UpstashException.Kind.AUTHENTICATION) {
                    throw new IllegalStateException(u.getMessage(), u);
                }
                LockSupport.parkNanos(Math.min(200_000_000L, Math.max(0, deadline - System.nanoTime())));
            } catch (java.util.concurrent.TimeoutException e) {
                // the loop ends at the deadline
            }
        }
    }

    private static Throwable cause(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof java.util.concurrent.CompletionException || t instanceof java.util.concurrent.ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** Sends one command, batched with whatever else is waiting. */
    CompletableFuture<Object> execute(List<String> command) {
        Call call = new Call(command, new CompletableFuture<>());
        synchronized (lock) {
            if (closed) {
                call.result.completeExceptionally(new UpstashException(UpstashException.Kind.TRANSPORT,
                        "the Upstash connection is closed", null));
                return call.result;
            }
            queue.add(call);
        }
        pump();
        return call.result;
    }

    private static List<String> command(String name, String script, String[] keys, String[] args) {
        List<String> command = new ArrayList<>(3 + keys.length + args.length);
        command.add(name);
        command.add(script);
        command.add(Integer.toString(keys.length));
        command.addAll(List.of(keys));
        command.addAll(List.of(args));
        return command;
    }

    private void pump() {
        List<List<Call>> ready = new ArrayList<>();
        synchronized (lock) {
            int batchSize = config.batching() ? config.maxBatchSize() : 1;
            while (!queue.isEmpty() && inFlight < config.maxConcurrentRequests()) {
                boolean full = queue.size() >= batchSize;
                if (inFlight > 0 && !full) {
                    // A request is in flight: let the queue grow into the next batch; a completion,
                    // or a full batch, sends it.
                    break;
                }
                if (!full && !config.linger().isZero() && !lingerDue) {
                    if (!lingerScheduled) {
                        lingerScheduled = true;
                        CompletableFuture.delayedExecutor(config.linger().toNanos(), TimeUnit.NANOSECONDS, executor)
                                .execute(this::lingerElapsed);
                    }
                    break;
                }
                List<Call> batch = new ArrayList<>(Math.min(batchSize, queue.size()));
                while (batch.size() < batchSize && !queue.isEmpty()) {
                    batch.add(queue.poll());
                }
                inFlight++;
                ready.add(batch);
            }
            if (queue.isEmpty()) {
                lingerDue = false;
            }
        }
        for (List<Call> batch : ready) {
            send(batch);
        }
    }

    private void lingerElapsed() {
        synchronized (lock) {
            lingerScheduled = false;
            lingerDue = true;
        }
        pump();
    }

    private void send(List<Call> batch) {
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(batch.size() == 1 ? single : pipeline)
                    .timeout(config.requestTimeout())
                    .header("Authorization", authorization)
                    .header("Upstash-Encoding", "base64")
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body(batch)))
                    .build();
        } catch (RuntimeException e) {
            done(batch, null, e);
            return;
        }
        http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
                .whenComplete((response, failure) -> done(batch, response, failure));
    }

    private void done(List<Call> batch, HttpResponse<byte[]> response, Throwable failure) {
        // Free the slot before completing the callers: one that calls again at once must find it free.
        synchronized (lock) {
            inFlight--;
        }
        try {
            if (failure != null) {
                failAll(batch, transport(failure));
            } else {
                complete(batch, response);
            }
        } catch (RuntimeException e) {
            failAll(batch, new UpstashException(UpstashException.Kind.TRANSPORT,
                    "unexpected answer from " + describe() + ": " + e.getMessage(), e));
        } finally {
            pump();
        }
    }

    private UpstashException transport(Throwable failure) {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        String what = cause instanceof HttpTimeoutException ? "no answer within " + config.requestTimeout().toMillis() + " ms"
                : cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
        return new UpstashException(UpstashException.Kind.TRANSPORT, "request to " + describe() + " failed: " + what, cause);
    }

    private void complete(List<Call> batch, HttpResponse<byte[]> response) {
        int status = response.statusCode();
        if (status == 200 || status == 400) {
            answered = true;
        }
        if (status == 401 || status == 403) {
            failAll(batch, new UpstashException(UpstashException.Kind.AUTHENTICATION, describe() + " refused the token (HTTP "
                    + status + "): check " + UpstashConfig.TOKEN_VARIABLE, null));
            return;
        }
        if (status != 200 && status != 400) {
            failAll(batch, new UpstashException(UpstashException.Kind.TRANSPORT, describe() + " answered HTTP " + status, null));
            return;
        }
        Object parsed;
        try (JsonParser parser = JSON.createParser(response.body())) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw new IOException("empty body");
            }
            parsed = value(parser, first);
            if (parser.nextToken() != null) {
                throw new IOException("text after the JSON value");
            }
        } catch (IOException e) {
            failAll(batch, new UpstashException(UpstashException.Kind.TRANSPORT, describe() + " answered HTTP " + status
                    + " with a body that is not JSON", e));
            return;
        }
        if (batch.size() == 1 && parsed instanceof Item item) {
            settle(batch.get(0), item);
            return;
        }
        if (status == 400 && parsed instanceof Item item && item.error != null) {
            failAll(batch, new UpstashException(UpstashException.Kind.COMMAND, item.error, null));
            return;
        }
        if (!(parsed instanceof List<?> items) || items.size() != batch.size()) {
            failAll(batch, new UpstashException(UpstashException.Kind.TRANSPORT, describe()
                    + " answered a pipeline of " + batch.size() + " with something else", null));
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            if (items.get(i) instanceof Item item) {
                settle(batch.get(i), item);
            } else {
                batch.get(i).result.completeExceptionally(new UpstashException(UpstashException.Kind.TRANSPORT,
                        describe() + " answered a pipeline item without result or error", null));
            }
        }
    }

    private static void settle(Call call, Item item) {
        if (item.error != null) {
            call.result.completeExceptionally(new UpstashException(UpstashException.Kind.COMMAND, item.error, null));
        } else {
            call.result.complete(item.result);
        }
    }

    private static void failAll(List<Call> batch, Throwable failure) {
        for (Call call : batch) {
            call.result.completeExceptionally(failure);
        }
    }

    /** One {@code {"result": …}} or {@code {"error": "…"}} object. */
    private static final class Item {
        Object result;
        String error;
    }

    private static Object value(JsonParser parser, JsonToken token) throws IOException {
        switch (token) {
            case VALUE_NULL:
                return null;
            case VALUE_NUMBER_INT:
                return parser.getLongValue();
            case VALUE_NUMBER_FLOAT:
                return parser.getDoubleValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_STRING:
                return decode(parser.getText());
            case START_ARRAY: {
                List<Object> list = new ArrayList<>();
                for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
                    if (t == null) {
                        throw new IOException("unterminated array");
                    }
                    list.add(value(parser, t));
                }
                return list;
            }
            case START_OBJECT: {
                Item item = new Item();
                for (JsonToken t = parser.nextToken(); t != JsonToken.END_OBJECT; t = parser.nextToken()) {
                    if (t != JsonToken.FIELD_NAME) {
                        throw new IOException("unexpected " + t + " in an object");
                    }
                    String field = parser.currentName();
                    JsonToken v = parser.nextToken();
                    if ("result".equals(field)) {
                        item.result = value(parser, v);
                    } else if ("error".equals(field)) {
                        item.error = v == JsonToken.VALUE_STRING ? parser.getText() : String.valueOf(value(parser, v));
                    } else {
                        parser.skipChildren();
                    }
                }
                return item;
            }
            default:
                throw new IOException("unexpected JSON token " + token);
        }
    }

    /** Decodes a base64 string; {@code OK} is the plain status and stays as it is. */
    private static String decode(String text) {
        if (text.equals("OK")) {
            return text;
        }
        try {
            return new String(Base64.getDecoder().decode(text), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException notBase64) {
            return text;
        }
    }

    private static byte[] body(List<Call> batch) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128 * batch.size());
        try (JsonGenerator json = JSON.createGenerator(out)) {
            if (batch.size() == 1) {
                write(json, batch.get(0).command);
            } else {
                json.writeStartArray();
                for (Call call : batch) {
                    write(json, call.command);
                }
                json.writeEndArray();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void write(JsonGenerator json, List<String> command) throws IOException {
        json.writeStartArray();
        for (String arg : command) {
            json.writeString(arg);
        }
        json.writeEndArray();
    }

    @Override
    public void close() {
        List<Call> abandoned;
        synchronized (lock) {
            closed = true;
            abandoned = new ArrayList<>(queue);
            queue.clear();
        }
        failAll(abandoned, new UpstashException(UpstashException.Kind.TRANSPORT, "the Upstash connection is closed", null));
        executor.shutdownNow();
    }

    @Override
    public String toString() {
        return "UpstashConnection[" + config + "]";
    }
}
