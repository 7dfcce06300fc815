package dev.ratelimit.upstash;

import dev.ratelimit.EmailStore;
import dev.ratelimit.RateLimitBackend;
import dev.ratelimit.spi.Script;
import dev.ratelimit.spi.ScriptTransport;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

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
 * <p>Fused script calls: consecutive calls in one batch that run the same preloaded script go out
 * as one {@code EVALSHA} of the script's fused form (so no call overtakes another), which runs
 * each call in turn, each under
 * {@code pcall}, and answers each with its own reply or error — so 64 decisions under load cost the
 * database one command, not 64. A fused form the server lost ({@code NOSCRIPT}) is loaded again,
 * its calls meanwhile answered one by one; a fused command the server refuses otherwise (Redis
 * refuses a script before running any of it) is sent again as its calls, one by one, and that
 * script's calls are not fused again (logged once).
 *
 * <p>Each call completes with its own item's result or error, so one failed command fails only its
 * caller; a failed request (transport, authentication) fails every call in it, with an
 * {@link UpstashException}. Strings arrive base64-encoded ({@code Upstash-Encoding: base64}) and
 * are decoded, except the status {@code OK}, which Upstash sends plain (an encoded one is accepted
 * too). The token appears in no message, log line or {@code toString()}. Each request in flight
 * waits for its answer on a sender thread (a pool of {@code maxConcurrentRequests}; a thread idle
 * for 30 s stops), which then completes its calls. Thread-safe; {@link #close()} waits up to the
 * request timeout for requests in flight to finish (unless called on a sender thread), then stops
 * the client's threads (on Java 17
 * the JDK's HTTP client keeps its selector thread until it is garbage-collected).
 */
public final class UpstashConnection implements ScriptTransport {

    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(UpstashConnection.class);

    private final UpstashConfig config;
    private final URI single;
    private final URI pipeline;
    private final String authorization;
    private final ExecutorService executor;
    /**
     * One thread per request in flight, waiting for its answer with the blocking {@code send}:
     * {@code HttpClient.sendAsync} hands every answer on to {@code CompletableFuture}'s default
     * executor, which with fewer than three processors starts a new thread for each.
     */
    private final ThreadPoolExecutor senders;
    /** The senders' live threads: a close from one of them does not wait for itself. */
    private final java.util.Set<Thread> senderThreads = ConcurrentHashMap.newKeySet();

    private final HttpClient http;
    private final boolean allowKeyLocking;
    private final Map<Script, Script> flagged = new ConcurrentHashMap<>();
    private volatile boolean answered;
    private final java.util.Set<String> loaded = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** A preloaded script's SHA-1 to its fused form ({@link Fusion}). */
    private final Map<String, Script> forms = new ConcurrentHashMap<>();
    /** The SHA-1s of the scripts whose fused form the server holds: their calls in a batch fuse. */
    private final java.util.Set<String> fusing = ConcurrentHashMap.newKeySet();
    /** The SHA-1s of the scripts whose fused command the server refused: never fused again. */
    private final java.util.Set<String> refused = ConcurrentHashMap.newKeySet();

    private final Batcher batcher;

    @SuppressWarnings("FutureReturnValueIgnored") // the first request's outcome is only logged
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
        this.senders = new ThreadPoolExecutor(
                config.maxConcurrentRequests(),
                config.maxConcurrentRequests(),
                30,
                TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(
                            () -> {
                                senderThreads.add(Thread.currentThread());
                                try {
                                    r.run();
                                } finally {
                                    senderThreads.remove(Thread.currentThread());
                                }
                            },
                            "upstash-send-" + THREADS.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        senders.allowCoreThreadTimeOut(true);
        this.batcher = new Batcher(
                config.batching() ? config.maxBatchSize() : 1,
                config.maxConcurrentRequests(),
                config.linger(),
                executor,
                this::send);
        // One request at once opens the first connection and warms the HTTP client; a wrong token or
        // URL shows in the log at start-up.
        execute(List.of("PING")).whenComplete((pong, failure) -> {
            if (failure != null) {
                LOG.warn(
                        "Upstash at {} did not answer yet: {}",
                        config.describe(),
                        cause(failure).getMessage());
            } else {
                LOG.info("Upstash at {} answered", config.describe());
            }
        });
    }

    /**
     * {@return a connection to the database that {@code config} describes, usable at once} It
     * sends one {@code PING} in the background and logs the outcome; the caller closes it.
     *
     * @param config the endpoint, token and client settings; not null
     */
    public static UpstashConnection open(UpstashConfig config) {
        return new UpstashConnection(java.util.Objects.requireNonNull(config, "config"));
    }

    /**
     * {@return the rate-limit backend on this connection, with the defaults of
     * {@link RateLimitBackend#scripted}} Each call builds a new one; closing it leaves this
     * connection open.
     */
    public RateLimitBackend rateLimitBackend() {
        return RateLimitBackend.scripted(this).build();
    }

    /**
     * {@return the email store on this connection} It has the defaults of
     * {@link EmailStore#scripted} and a timeout of the request timeout plus one second. Each call
     * builds a new one; closing it leaves this connection open.
     */
    public EmailStore emailStore() {
        return EmailStore.scripted(this)
                .timeout(config.requestTimeout().plusSeconds(1))
                .build();
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
    @SuppressWarnings("FutureReturnValueIgnored") // a failed load is only forgotten, to be tried again
    public void preload(Script script) {
        Script sent = sent(script);
        if (loaded.add(sent.sha1())) {
            execute(List.of("SCRIPT", "LOAD", sent.source())).whenComplete((sha, failure) -> {
                if (failure != null) {
                    loaded.remove(sent.sha1());
                }
            });
            forms.put(sent.sha1(), Fusion.of(sent));
            loadFused(sent.sha1());
        }
    }

    /** Loads a script's fused form; once the server has it, a batch's calls of the script fuse. */
    @SuppressWarnings("FutureReturnValueIgnored") // a failed load only leaves the calls unfused
    private void loadFused(String sha) {
        Script form = forms.get(sha);
        if (form != null) {
            execute(List.of("SCRIPT", "LOAD", form.source())).whenComplete((loadedSha, failure) -> {
                if (failure == null && !refused.contains(sha)) {
                    fusing.add(sha);
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

    /** {@return the configuration this connection was opened with} */
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
                throw new IllegalStateException(
                        "Upstash at " + describe() + " did not answer within " + timeout.toMillis() + " ms"
                                + (last == null ? "" : ": " + last.getMessage()),
                        last);
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
        while ((t instanceof java.util.concurrent.CompletionException
                        || t instanceof java.util.concurrent.ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** Sends one command, batched with whatever else is waiting. */
    CompletableFuture<Object> execute(List<String> command) {
        return batcher.submit(
                command,
                new UpstashException(UpstashException.Kind.TRANSPORT, "the Upstash connection is closed", null));
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

    /**
     * One command of a request and the calls it answers: one call, or (when {@code fusedFor} is the
     * SHA-1 of a script) every call of the batch that runs that script, {@linkplain Fusion fused}.
     */
    private record Part(
            List<String> command,
            List<Batcher.Call> calls,
            @Nullable String fusedFor) {}

    /**
     * The batch's commands, in the order of its calls: each run of consecutive calls of one script
     * whose fused form is loaded becomes one fused command, so no call overtakes another.
     */
    private List<Part> parts(List<Batcher.Call> batch) {
        List<Part> parts = new ArrayList<>(batch.size());
        int i = 0;
        while (i < batch.size()) {
            List<String> command = batch.get(i).command();
            String sha = command.get(0).equals("EVALSHA") && fusing.contains(command.get(1)) ? command.get(1) : null;
            int end = i + 1;
            while (sha != null
                    && end < batch.size()
                    && batch.get(end).command().get(0).equals("EVALSHA")
                    && batch.get(end).command().get(1).equals(sha)) {
                end++;
            }
            Script form = sha == null ? null : forms.get(sha);
            if (end - i == 1 || form == null) {
                parts.add(new Part(command, List.of(batch.get(i)), null));
                i++;
            } else {
                List<Batcher.Call> calls = batch.subList(i, end);
                parts.add(new Part(Fusion.command(form.sha1(), calls), calls, sha));
                i = end;
            }
        }
        return parts;
    }

    private void send(List<Batcher.Call> batch) {
        HttpRequest request;
        List<Part> parts;
        try {
            parts = parts(batch);
            request = HttpRequest.newBuilder(parts.size() == 1 ? single : pipeline)
                    .timeout(config.requestTimeout())
                    .header("Authorization", authorization)
                    .header("Upstash-Encoding", "base64")
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(
                            UpstashJson.body(parts.stream().map(Part::command).toList())))
                    .build();
        } catch (RuntimeException e) {
            done(batch, List.of(), null, e);
            return;
        }
        try {
            senders.execute(() -> exchange(request, batch, parts));
        } catch (RejectedExecutionException e) { // closed since the batch left the queue
            batcher.completing();
            failAll(batch, closed());
            batcher.completed();
        }
    }

    private static UpstashException closed() {
        return new UpstashException(UpstashException.Kind.TRANSPORT, "the Upstash connection is closed", null);
    }

    /** Sends {@code request} and completes its calls, on a sender thread. */
    private void exchange(HttpRequest request, List<Batcher.Call> batch, List<Part> parts) {
        HttpResponse<byte[]> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException | RuntimeException e) {
            done(batch, parts, null, e);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            done(batch, parts, null, e);
            return;
        }
        done(batch, parts, response, null);
    }

    private void done(
            List<Batcher.Call> batch,
            List<Part> parts,
            @Nullable HttpResponse<byte[]> response,
            @Nullable Throwable failure) {
        batcher.completing();
        try {
            if (failure != null) {
                failAll(batch, transport(failure));
            } else {
                complete(batch, parts, java.util.Objects.requireNonNull(response, "response"));
            }
        } catch (RuntimeException e) {
            failAll(
                    batch,
                    new UpstashException(
                            UpstashException.Kind.TRANSPORT,
                            "unexpected answer from " + describe() + ": " + e.getMessage(),
                            e));
        } finally {
            batcher.completed();
        }
    }

    private UpstashException transport(Throwable failure) {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause()
                : failure;
        String what = cause instanceof HttpTimeoutException
                ? "no answer within " + config.requestTimeout().toMillis() + " ms"
                : cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
        return new UpstashException(
                UpstashException.Kind.TRANSPORT, "request to " + describe() + " failed: " + what, cause);
    }

    private void complete(List<Batcher.Call> batch, List<Part> parts, HttpResponse<byte[]> response) {
        int status = response.statusCode();
        if (status == 200 || status == 400) {
            answered = true;
        }
        if (status == 401 || status == 403) {
            failAll(
                    batch,
                    new UpstashException(
                            UpstashException.Kind.AUTHENTICATION,
                            describe() + " refused the token (HTTP " + status + "): check "
                                    + UpstashConfig.TOKEN_VARIABLE,
                            null));
            return;
        }
        if (status != 200 && status != 400) {
            failAll(
                    batch,
                    new UpstashException(
                            UpstashException.Kind.TRANSPORT, describe() + " answered HTTP " + status, null));
            return;
        }
        Object parsed;
        try {
            parsed = UpstashJson.parse(response.body());
        } catch (IOException e) {
            failAll(
                    batch,
                    new UpstashException(
                            UpstashException.Kind.TRANSPORT,
                            describe() + " answered HTTP " + status + " with a body that is not JSON",
                            e));
            return;
        }
        if (parts.size() == 1 && parsed instanceof UpstashJson.Item item) {
            settle(parts.get(0), item);
            return;
        }
        if (status == 400 && parsed instanceof UpstashJson.Item item && item.error() != null) {
            failAll(batch, new UpstashException(UpstashException.Kind.COMMAND, item.error(), null));
            return;
        }
        if (!(parsed instanceof List<?> items) || items.size() != parts.size()) {
            failAll(
                    batch,
                    new UpstashException(
                            UpstashException.Kind.TRANSPORT,
                            describe() + " answered a pipeline of " + parts.size() + " with something else",
                            null));
            return;
        }
        for (int i = 0; i < parts.size(); i++) {
            if (items.get(i) instanceof UpstashJson.Item item) {
                settle(parts.get(i), item);
            } else {
                failAll(
                        parts.get(i).calls(),
                        new UpstashException(
                                UpstashException.Kind.TRANSPORT,
                                describe() + " answered a pipeline item without result or error",
                                null));
            }
        }
    }

    @SuppressWarnings("FutureReturnValueIgnored") // a re-sent call completes its caller's future in its callback
    private void settle(Part part, UpstashJson.Item item) {
        String error = item.error();
        String sha = part.fusedFor();
        if (sha == null) {
            Batcher.Call call = part.calls().get(0);
            if (error != null) {
                call.result().completeExceptionally(new UpstashException(UpstashException.Kind.COMMAND, error, null));
            } else {
                call.result().complete(item.result());
            }
        } else if (error == null) {
            Fusion.settle(part.calls(), item.result(), describe());
        } else if (error.startsWith("NOSCRIPT")) {
            // The server lost the fused form (a restart, SCRIPT FLUSH): each call falls back on its
            // own (its caller's EVAL) while the form loads again.
            if (fusing.remove(sha)) {
                loadFused(sha);
            }
            failAll(part.calls(), new UpstashException(UpstashException.Kind.COMMAND, error, null));
        } else {
            // Refused as a whole (a size or key limit, OOM, BUSY): Redis refuses a script before it
            // runs it, so no call ran. Each goes again on its own, for its own answer; the script's
            // calls are not fused again on this connection.
            refused.add(sha);
            if (fusing.remove(sha)) {
                LOG.warn(
                        "{} refused a fused script call ({}); calls of that script go out one by one",
                        describe(),
                        error);
            }
            for (Batcher.Call call : part.calls()) {
                execute(call.command()).whenComplete((result, failure) -> {
                    if (failure != null) {
                        call.result().completeExceptionally(failure);
                    } else {
                        call.result().complete(result);
                    }
                });
            }
        }
    }

    private static void failAll(List<Batcher.Call> batch, Throwable failure) {
        for (Batcher.Call call : batch) {
            call.result().completeExceptionally(failure);
        }
    }

    @Override
    public void close() {
        failAll(batcher.close(), closed());
        // Requests in flight finish, within the request timeout, before the HTTP client's executor
        // stops: on Java 17 an answer the client cannot hand to it is never delivered.
        senders.shutdown();
        if (!senderThreads.contains(Thread.currentThread())) {
            try {
                senders.awaitTermination(config.requestTimeout().toMillis() + 1_000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        executor.shutdownNow();
    }

    @Override
    public String toString() {
        return "UpstashConnection[" + config + "]";
    }
}
