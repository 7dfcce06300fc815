/**
 * The service provider that lets the environment wiring find Upstash from its two variables. Not
 * exported by the module; public only because {@link java.util.ServiceLoader} needs it on the
 * class path.
 */
@NullMarked
package dev.ratelimit.upstash.internal;

import org.jspecify.annotations.NullMarked;
