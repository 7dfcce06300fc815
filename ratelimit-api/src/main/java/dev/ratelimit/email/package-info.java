/**
 * The values an {@link dev.ratelimit.EmailStore} takes and returns: a validated
 * {@link dev.ratelimit.email.EmailAddress}, the {@link dev.ratelimit.email.AddResult} of an add,
 * stored {@link dev.ratelimit.email.EmailRecord}s in {@link dev.ratelimit.email.EmailPage}s, and
 * the two exceptions.
 *
 * <p>For application code.
 */
@NullMarked
package dev.ratelimit.email;

import org.jspecify.annotations.NullMarked;
