/**
 * The service provider that lets the environment wiring find Redis from {@code REDIS_URL}. Not
 * exported by the module; public only because {@link java.util.ServiceLoader} needs it on the
 * class path.
 */
@NullMarked
package dev.ratelimit.redis.internal;

import org.jspecify.annotations.NullMarked;
