package dev.ratelimit.spi;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * A connection to a Redis-compatible server that runs Lua scripts: what a backend module
 * implements so that the library's rate-limit and email scripts run on its server. The Redis (TCP)
 * and Upstash (REST) modules implement it; {@code RateLimitBackend.scripted(transport)} and
 * {@code EmailStore.scripted(transport)} do everything else, so one connection serves both.
 *
 * <p>Implementations are thread-safe; their methods never throw for a failure of the server or
 * the connection, they complete the returned stage exceptionally.
 */
public interface ScriptTransport extends AutoCloseable {

    /** {@return a short name for logs and {@code Decision.fallback()}, such as {@code "redis"}} */
    String name();

    /** {@return the server's address with every secret masked, for messages} */
    String describe();

    /**
     * Runs {@code script} by its SHA-1 ({@code EVALSHA}). The stage completes with the reply — a
     * {@link Long} for {@link Script.Reply#INTEGER}, a {@link java.util.List} of {@code Long},
     * {@code String} or {@code null} for {@link Script.Reply#ARRAY} — or exceptionally: with a
     * failure whose message starts with {@code NOSCRIPT} when the server does not have the script.
     *
     * @param script the script to run, named by its {@link Script#sha1()}
     * @param keys the script's {@code KEYS}: every key it touches, all in one Cluster slot
     * @param args the script's {@code ARGV}
     * @return a stage completing with the script's reply, or exceptionally
     */
    CompletionStage<Object> evalSha(Script script, String[] keys, String[] args);

    /**
     * Runs {@code script} by its source ({@code EVAL}); completes as {@link #evalSha} does.
     *
     * @param script the script to run, sent with its {@link Script#source()}
     * @param keys the script's {@code KEYS}: every key it touches, all in one Cluster slot
     * @param args the script's {@code ARGV}
     * @return a stage completing with the script's reply, or exceptionally
     */
    CompletionStage<Object> evalSource(Script script, String[] keys, String[] args);

    /**
     * Runs {@code script}: {@link #evalSha}, then {@link #evalSource} when the server answers
     * {@code NOSCRIPT} (after a restart, a failover, {@code SCRIPT FLUSH}, or on a new Cluster node).
     *
     * @param script the script to run
     * @param keys the script's {@code KEYS}: every key it touches, all in one Cluster slot
     * @param args the script's {@code ARGV}
     * @return a stage completing with the script's reply, or exceptionally with the failure of
     *     {@code EVALSHA} (other than {@code NOSCRIPT}) or of {@code EVAL}
     */
    default CompletionStage<Object> eval(Script script, String[] keys, String[] args) {
        return evalSha(script, keys, args)
                .toCompletableFuture()
                .exceptionallyCompose(failure -> Script.isNoScript(failure)
                        ? evalSource(script, keys, args).toCompletableFuture()
                        : CompletableFuture.failedFuture(failure));
    }

    /**
     * Asks the server to load {@code script} ahead of its first call ({@code SCRIPT LOAD}), so
     * that call does not pay for a {@code NOSCRIPT} answer and a second round trip; a transport
     * that connects later loads it then. Only an optimisation: {@link #eval} works without it. The
     * default does nothing.
     *
     * @param script the script to load
     */
    default void preload(Script script) {}

    /**
     * {@return how long a limiter waits for one call by default} That is what a healthy server at
     * this distance answers within, with room for a busy moment on either side. A local Redis is
     * not an HTTP API in another region. The default is 500 ms.
     */
    default Duration deadline() {
        return Duration.ofMillis(500);
    }

    /**
     * The part of the server that answers for keys with this hash tag (the text between
     * {@code {}} and {@code }}), when parts fail apart — a Redis Cluster node — so that a limiter
     * accounts failures per part. Must be cheap: it is asked before every call.
     *
     * @param hashTag the hash tag of the keys of the coming call
     * @return an object naming the part, equal for the same part; {@code null} when the whole
     *     server is one (the default)
     */
    default @Nullable Object partition(String hashTag) {
        return null;
    }

    /**
     * Calls {@code listener} each time a connection is opened again after it was lost, with the
     * part it reaches (as {@link #partition} names it) or {@code null} for the whole server, so that
     * a limiter probes that part at once instead of waiting for its breaker's interval. The default
     * never calls it.
     *
     * @param listener called with the part reconnected, or {@code null} for the whole server
     * @return a handle whose {@code close} unregisters the listener
     */
    default AutoCloseable whenConnected(java.util.function.Consumer<Object> listener) {
        return () -> {};
    }

    /**
     * Waits until the server has answered once, for applications that would rather not start
     * without it.
     *
     * @param timeout the longest to wait
     * @throws IllegalStateException naming the last failure, secrets masked, if the server has not
     *     answered within {@code timeout}
     */
    void awaitConnection(Duration timeout);

    /** Closes the connection and stops its threads; idempotent. */
    @Override
    void close();
}
