/**
 * What a backend module implements: a {@link dev.ratelimit.spi.ScriptTransport} runs the
 * library's Lua {@link dev.ratelimit.spi.Script}s on a Redis-compatible server (so
 * {@code RateLimitBackend.scripted} and {@code EmailStore.scripted} work on it), and a
 * {@link dev.ratelimit.spi.BackendProvider} lets the environment wiring find that server from
 * environment variables.
 *
 * <p>For authors of backend modules; applications need none of it.
 */
@NullMarked
package dev.ratelimit.spi;

import org.jspecify.annotations.NullMarked;
