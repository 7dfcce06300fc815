package dev.ratelimit.spi;

import java.util.concurrent.CompletionStage;

/**
 * How a script-running backend reaches a Redis-compatible server: the only part the Redis (TCP)
 * and Upstash (REST) backends do not share. {@link ScriptedRateLimitBackend} and
 * {@link ScriptedEmailStore} do the rest.
 */
public interface ScriptTransport {

    /**
     * Runs {@code script} with {@code EVALSHA}, falling back to {@code EVAL} when the server answers
     * {@code NOSCRIPT}. The stage completes with the reply — a {@link Long} for
     * {@link Script.Reply#INTEGER}, a {@link java.util.List} of {@code Long}, {@code String} or
     * {@code null} for {@link Script.Reply#ARRAY} — or exceptionally when the server or the
     * connection fails. Never throws.
     */
    CompletionStage<Object> eval(Script script, String[] keys, String[] args);

    /** The server's address with any secret masked, for messages. */
    String describe();
}
