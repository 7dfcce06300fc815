package dev.ratelimit.testkit.redis;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.ProtocolKeyword;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * A local server that speaks Upstash's Redis REST protocol in front of a real {@code redis-server}
 * (through Lettuce): {@code POST /} with a JSON command array, {@code POST /pipeline},
 * {@code POST /multi-exec}; {@code Authorization: Bearer <token>} or {@code ?_token=<token>};
 * {@code Upstash-Encoding: base64}; HTTP 400 with {@code {"error": …}} for a failed command and 401
 * for a wrong token. It accepts a script whose first line is {@code #!lua flags=allow-key-locking}
 * and strips that line (stock Redis refuses the flag), remembering the client's SHA.
 *
 * <p>Fault switches for tests: added latency, an HTTP status instead of answers, bodies that are not
 * JSON, dropped connections, a limit on a command's arguments, and {@link #flushScripts()} for a
 * {@code NOSCRIPT}. Also usable for
 * local development: point {@code UPSTASH_REDIS_REST_URL} at {@link #url()}.
 */
public final class UpstashCompatibleServer implements AutoCloseable {

    private static final JsonFactory JSON = new JsonFactory();
    private static final Duration REDIS_TIMEOUT = Duration.ofSeconds(10);

    static {
        // Without TCP_NODELAY, a response's headers and body meet Nagle's algorithm and the
        // client's delayed ACK: 40 ms per request. Read once, when the JDK's server first loads.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private final String token;
    private final HttpServer http;
    private final ExecutorService workers;
    private final RedisClient client;
    private final StatefulRedisConnection<byte[], byte[]> connection;
    private final StatefulRedisConnection<byte[], byte[]> transactions;
    private final Map<String, String> strippedShas = new ConcurrentHashMap<>();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong pipelineRequests = new AtomicLong();
    private final Map<String, AtomicLong> singleRequests = new ConcurrentHashMap<>();
    private volatile Duration latency = Duration.ZERO;
    private volatile int failureStatus;
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private volatile boolean nonJson;
    private volatile boolean drop;
    private volatile boolean encodeOk;
    private volatile int maxArguments;

    private UpstashCompatibleServer(String redisUrl, String token, int port) throws IOException {
        this.token = token;
        this.client = RedisClient.create(RedisURI.create(redisUrl));
        this.connection = client.connect(ByteArrayCodec.INSTANCE);
        this.transactions = client.connect(ByteArrayCodec.INSTANCE);
        this.workers = Executors.newFixedThreadPool(16, r -> {
            Thread t = new Thread(r, "upstash-compatible-server");
            t.setDaemon(true);
            return t;
        });
        this.http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1024);
        http.setExecutor(workers);
        http.createContext("/", this::handle);
        http.start();
    }

    /**
     * Starts a server on a free port of 127.0.0.1 in front of the Redis at {@code redisUrl},
     * accepting {@code token}.
     *
     * @param redisUrl the URL of a running Redis, as Lettuce reads it
     * @param token the token clients must send
     * @return the running server; close it to stop it and its Redis connections
     * @throws io.lettuce.core.RedisConnectionException if the Redis cannot be reached
     */
    public static UpstashCompatibleServer start(String redisUrl, String token) {
        return start(redisUrl, token, 0);
    }

    /**
     * Starts a server on {@code port} of 127.0.0.1 in front of the Redis at {@code redisUrl},
     * accepting {@code token}.
     *
     * @param redisUrl the URL of a running Redis, as Lettuce reads it
     * @param token the token clients must send
     * @param port the port to listen on; 0 for any free port
     * @return the running server; close it to stop it and its Redis connections
     * @throws io.lettuce.core.RedisConnectionException if the Redis cannot be reached
     * @throws java.io.UncheckedIOException if the port cannot be bound
     */
    public static UpstashCompatibleServer start(String redisUrl, String token, int port) {
        try {
            return new UpstashCompatibleServer(redisUrl, token, port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs a server for local development until the process ends: arguments are the Redis URL, the
     * token to accept, and optionally the port (default 8079). Exits with status 2 given fewer than
     * two arguments.
     *
     * @param args {@code REDIS_URL TOKEN [PORT]}
     * @throws InterruptedException if the main thread is interrupted while the server runs
     */
    public static void main(String[] args) throws InterruptedException {
        if (args.length < 2) {
            System.err.println("usage: UpstashCompatibleServer REDIS_URL TOKEN [PORT]");
            System.exit(2);
        }
        UpstashCompatibleServer server = start(args[0], args[1], args.length > 2 ? Integer.parseInt(args[2]) : 8079);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        System.out.println("Upstash-compatible REST server on " + server.url() + " in front of the Redis at "
                + args[0].replaceAll("//[^@/]*@", "//***@") + "; set UPSTASH_REDIS_REST_URL=" + server.url()
                + " and UPSTASH_REDIS_REST_TOKEN to the token you chose");
        Thread.currentThread().join();
    }

    /**
     * {@return the base URL, such as {@code http://127.0.0.1:41234}: the value for
     * {@code UPSTASH_REDIS_REST_URL}}
     */
    public String url() {
        return "http://127.0.0.1:" + http.getAddress().getPort();
    }

    /** {@return the token it accepts: the value for {@code UPSTASH_REDIS_REST_TOKEN}} */
    public String token() {
        return token;
    }

    /** {@return the number of HTTP requests received so far} */
    public long requests() {
        return requests.get();
    }

    /**
     * {@return the number of single-command requests ({@code POST /}) executed so far whose command
     * is {@code name}, case-insensitively}
     *
     * @param name a command name such as {@code EVALSHA}
     */
    public long singleRequests(String name) {
        AtomicLong count = singleRequests.get(name.toUpperCase(Locale.ROOT));
        return count == null ? 0 : count.get();
    }

    /** {@return the number of {@code /pipeline} and {@code /multi-exec} requests executed so far} */
    public long pipelineRequests() {
        return pipelineRequests.get();
    }

    /**
     * Delays every request by {@code latency} (zero: none) before it is answered, even with a
     * 401 or an injected failure.
     *
     * @param latency the delay
     * @return this server
     */
    public UpstashCompatibleServer latency(Duration latency) {
        this.latency = latency;
        return this;
    }

    /**
     * Answers the next {@code count} authorized requests with HTTP {@code status} and
     * {@code {"error":"injected failure"}} instead of a result (count 0: stop).
     *
     * @param count how many requests fail; replaces what was left of an earlier call
     * @param status the HTTP status they get, such as 503
     * @return this server
     */
    public UpstashCompatibleServer failNext(int count, int status) {
        this.failureStatus = status;
        this.failuresLeft.set(count);
        return this;
    }

    /**
     * Answers every authorized request with a body that is not JSON, with status 200.
     *
     * @param on true to turn it on, false to turn it off
     * @return this server
     */
    public UpstashCompatibleServer nonJsonBodies(boolean on) {
        this.nonJson = on;
        return this;
    }

    /**
     * Closes every connection without an answer, before anything else is checked.
     *
     * @param on true to turn it on, false to turn it off
     * @return this server
     */
    public UpstashCompatibleServer dropConnections(boolean on) {
        this.drop = on;
        return this;
    }

    /**
     * Base64-encodes the status {@code OK} too, as some compatible servers do (Upstash does not),
     * in answers to requests that ask for base64.
     *
     * @param on true to turn it on, false to turn it off
     * @return this server
     */
    public UpstashCompatibleServer encodeOkStatus(boolean on) {
        this.encodeOk = on;
        return this;
    }

    /**
     * Refuses, as a failed command, any command with more than {@code max} arguments (its name not
     * counted), as a server with a limit on a request's size would; it never reaches Redis.
     *
     * @param max the most arguments a command may have; 0 for no limit
     * @return this server
     */
    public UpstashCompatibleServer maxArguments(int max) {
        this.maxArguments = max;
        return this;
    }

    /**
     * {@code SCRIPT FLUSH} on Redis: the next {@code EVALSHA} of every script gets {@code NOSCRIPT}.
     *
     * @return this server
     * @throws IllegalStateException if Redis fails or does not answer within 10 s
     */
    public UpstashCompatibleServer flushScripts() {
        strippedShas.clear();
        await(connection.async().scriptFlush());
        return this;
    }

    /**
     * Turns every fault switch off: no latency, no failures left, JSON bodies, connections kept,
     * {@code OK} not encoded.
     *
     * @return this server
     */
    public UpstashCompatibleServer healthy() {
        latency = Duration.ZERO;
        failuresLeft.set(0);
        nonJson = false;
        drop = false;
        encodeOk = false;
        maxArguments = 0;
        return this;
    }

    @Override
    public void close() {
        http.stop(0);
        workers.shutdownNow();
        connection.close();
        transactions.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    @Override
    public String toString() {
        return "UpstashCompatibleServer[" + url() + "]";
    }

    private void handle(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        try (exchange) {
            if (drop) {
                return;
            }
            if (!latency.isZero()) {
                Thread.sleep(latency.toMillis(), latency.toNanosPart() % 1_000_000);
            }
            if (!authorized(exchange)) {
                respond(exchange, 401, "{\"error\":\"Unauthorized\"}".getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                respond(exchange, failureStatus, "{\"error\":\"injected failure\"}".getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (nonJson) {
                respond(exchange, 200, "<html>502 Bad Gateway</html>".getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (!"POST".equals(exchange.getRequestMethod())) {
                respond(exchange, 405, "{\"error\":\"only POST is supported here\"}".getBytes(StandardCharsets.UTF_8));
                return;
            }
            boolean base64 =
                    "base64".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Upstash-Encoding"));
            String path = exchange.getRequestURI().getPath();
            byte[] body = exchange.getRequestBody().readAllBytes();
            switch (path) {
                case "/", "" -> single(exchange, body, base64);
                case "/pipeline" -> pipeline(exchange, body, base64, false);
                case "/multi-exec" -> pipeline(exchange, body, base64, true);
                default -> respond(exchange, 404, "{\"error\":\"unknown path\"}".getBytes(StandardCharsets.UTF_8));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (BadRequest e) {
            respond(exchange, 400, error(String.valueOf(e.getMessage())));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            respond(exchange, 400, error("the body is not JSON"));
        }
    }

    private boolean authorized(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header != null && header.equals("Bearer " + token)) {
            return true;
        }
        String query = exchange.getRequestURI().getRawQuery();
        if (query != null) {
            for (String part : query.split("&", -1)) {
                if (part.startsWith("_token=")
                        && URLDecoder.decode(part.substring(7), StandardCharsets.UTF_8)
                                .equals(token)) {
                    return true;
                }
            }
        }
        return false;
    }

    private void single(HttpExchange exchange, byte[] body, boolean base64) throws IOException {
        List<String> command = command(parser(body));
        if (!command.isEmpty()) {
            singleRequests
                    .computeIfAbsent(command.get(0).toUpperCase(Locale.ROOT), c -> new AtomicLong())
                    .incrementAndGet();
        }
        Object reply = execute(connection, command);
        if (reply instanceof AnyReplyOutput.ErrorReply error) {
            respond(exchange, 400, error(error.message()));
            return;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeFieldName("result");
            write(json, reply, base64);
            json.writeEndObject();
        }
        respond(exchange, 200, out.toByteArray());
    }

    private void pipeline(HttpExchange exchange, byte[] body, boolean base64, boolean atomic) throws IOException {
        JsonParser parser = parser(body);
        if (parser.nextToken() != JsonToken.START_ARRAY) {
            throw new BadRequest("a pipeline is a JSON array of command arrays");
        }
        List<List<String>> commands = new ArrayList<>();
        while (parser.nextToken() == JsonToken.START_ARRAY) {
            commands.add(commandBody(parser));
        }
        pipelineRequests.incrementAndGet();
        List<Object> replies = atomic ? transaction(commands) : executeAll(commands);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartArray();
            for (Object reply : replies) {
                json.writeStartObject();
                if (reply instanceof AnyReplyOutput.ErrorReply error) {
                    json.writeStringField("error", error.message());
                } else {
                    json.writeFieldName("result");
                    write(json, reply, base64);
                }
                json.writeEndObject();
            }
            json.writeEndArray();
        }
        respond(exchange, 200, out.toByteArray());
    }

    private List<Object> executeAll(List<List<String>> commands) {
        List<@Nullable RedisFuture<Object>> pending = new ArrayList<>();
        for (List<String> command : commands) {
            pending.add(refused(command) == null ? dispatch(connection, command) : null);
        }
        List<Object> replies = new ArrayList<>();
        for (int i = 0; i < pending.size(); i++) {
            RedisFuture<Object> sent = pending.get(i);
            replies.add(sent == null ? refused(commands.get(i)) : result(sent, commands.get(i)));
        }
        return replies;
    }

    private List<Object> transaction(List<List<String>> commands) {
        synchronized (transactions) {
            String ok = await(transactions.async().multi());
            if (!"OK".equals(ok)) {
                throw new IllegalStateException("MULTI answered " + ok);
            }
            // Inside MULTI each command is only queued; its future completes with EXEC's answer.
            List<RedisFuture<Object>> queued = new ArrayList<>(commands.size());
            for (List<String> command : commands) {
                queued.add(dispatch(transactions, command));
            }
            io.lettuce.core.TransactionResult result =
                    await(transactions.async().exec());
            if (result.wasDiscarded()) {
                throw new IllegalStateException("the transaction was discarded");
            }
            List<Object> replies = new ArrayList<>(queued.size());
            for (int i = 0; i < queued.size(); i++) {
                replies.add(result(queued.get(i), commands.get(i)));
            }
            return replies;
        }
    }

    private Object execute(StatefulRedisConnection<byte[], byte[]> on, List<String> command) {
        AnyReplyOutput.ErrorReply refusal = refused(command);
        return refusal != null ? refusal : result(dispatch(on, command), command);
    }

    /** The error for a command over the {@link #maxArguments} limit; null for one within it. */
    private AnyReplyOutput.@Nullable ErrorReply refused(List<String> command) {
        int max = maxArguments;
        return max > 0 && command.size() - 1 > max
                ? new AnyReplyOutput.ErrorReply(
                        "ERR the command has " + (command.size() - 1) + " arguments; this server takes at most " + max)
                : null;
    }

    private RedisFuture<Object> dispatch(StatefulRedisConnection<byte[], byte[]> on, List<String> command) {
        if (command.isEmpty()) {
            throw new BadRequest("empty command");
        }
        String name = command.get(0).toUpperCase(Locale.ROOT);
        List<String> args = new ArrayList<>(command.subList(1, command.size()));
        int source = name.equals("EVAL")
                ? 0
                : name.equals("SCRIPT") && args.size() == 2 && args.get(0).equalsIgnoreCase("LOAD") ? 1 : -1;
        if (source >= 0 && args.size() > source && args.get(source).startsWith("#!lua")) {
            String original = args.get(source);
            String stripped = original.substring(original.indexOf('\n') + 1);
            strippedShas.put(sha1(original), sha1(stripped));
            args.set(source, stripped);
        } else if (name.equals("EVALSHA") && !args.isEmpty()) {
            args.set(0, strippedShas.getOrDefault(args.get(0).toLowerCase(Locale.ROOT), args.get(0)));
        }
        CommandArgs<byte[], byte[]> commandArgs = new CommandArgs<>(ByteArrayCodec.INSTANCE);
        for (String arg : args) {
            commandArgs.add(arg.getBytes(StandardCharsets.UTF_8));
        }
        byte[] keyword = name.getBytes(StandardCharsets.US_ASCII);
        ProtocolKeyword type = new ProtocolKeyword() {
            @Override
            public byte[] getBytes() {
                return keyword;
            }

            @Override
            public String toString() {
                return name;
            }
        };
        return on.async().dispatch(type, new AnyReplyOutput(), commandArgs);
    }

    private static Object result(RedisFuture<Object> pending, List<String> command) {
        try {
            return pending.get(REDIS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return new AnyReplyOutput.ErrorReply(String.valueOf(cause.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new AnyReplyOutput.ErrorReply("interrupted");
        } catch (TimeoutException e) {
            return new AnyReplyOutput.ErrorReply("ERR Redis did not answer " + command.get(0));
        }
    }

    private static <T> T await(RedisFuture<T> future) {
        try {
            return future.get(REDIS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("Redis failed: " + e.getMessage(), e);
        }
    }

    private void write(JsonGenerator json, Object value, boolean base64) throws IOException {
        if (value == null) {
            json.writeNull();
        } else if (value instanceof Long n) {
            json.writeNumber(n);
        } else if (value instanceof byte[] bytes) {
            json.writeString(
                    base64 ? Base64.getEncoder().encodeToString(bytes) : new String(bytes, StandardCharsets.UTF_8));
        } else if (value instanceof AnyReplyOutput.Status status) {
            boolean encode = base64 && (encodeOk || !status.text().equals("OK"));
            json.writeString(
                    encode
                            ? Base64.getEncoder().encodeToString(status.text().getBytes(StandardCharsets.UTF_8))
                            : status.text());
        } else if (value instanceof String s) {
            json.writeString(base64 ? Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8)) : s);
        } else if (value instanceof List<?> list) {
            json.writeStartArray();
            for (Object item : list) {
                write(json, item, base64);
            }
            json.writeEndArray();
        } else if (value instanceof AnyReplyOutput.ErrorReply error) {
            json.writeStartObject();
            json.writeStringField("error", error.message());
            json.writeEndObject();
        } else {
            json.writeString(String.valueOf(value));
        }
    }

    private static JsonParser parser(byte[] body) {
        try {
            return JSON.createParser(body);
        } catch (IOException e) {
            throw new BadRequest("the body is not JSON");
        }
    }

    private static List<String> command(JsonParser parser) throws IOException {
        try {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                throw new BadRequest("a command is a JSON array, such as [\"GET\",\"key\"]");
            }
            return commandBody(parser);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new BadRequest("the body is not JSON");
        }
    }

    private static List<String> commandBody(JsonParser parser) throws IOException {
        List<String> command = new ArrayList<>();
        for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
            if (token == null || token.isStructStart()) {
                throw new BadRequest("a command's arguments are strings or numbers");
            }
            command.add(parser.getValueAsString());
        }
        return command;
    }

    private static byte[] error(String message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("error", message == null ? "ERR" : message);
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static String sha1(String source) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final class BadRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message);
        }
    }
}
