package dev.ratelimit;

import dev.ratelimit.spi.Script;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The library's Lua scripts, assembled from the resource files beside this class: each
 * algorithm's Lua lives in exactly one file, and the Redis and Upstash transports carry the same
 * bytes.
 */
final class Scripts {

    /** One rate-limit decision; see {@link RateLimitScript}. */
    static final Script RATE_LIMIT = load(
            "rate_limit", Script.Reply.ARRAY, "lib", "fixed_window", "sliding_window", "token_bucket", "rate_limit");
    /** Reserves a slice of a key's permits for a limiter to spend locally; see {@link LeaseScript}. */
    static final Script LEASE =
            load("lease", Script.Reply.ARRAY, "lib", "fixed_window", "sliding_window", "token_bucket", "lease");
    /** Deletes a caller's state keys. */
    static final Script RESET = load("reset", Script.Reply.INTEGER, "reset");
    /** Adds an address if its identity is new; see {@link EmailScripts}. */
    static final Script EMAIL_ADD = load("email_add", Script.Reply.INTEGER, "lib", "email_add");
    /** Erases an address. */
    static final Script EMAIL_REMOVE = load("email_remove", Script.Reply.INTEGER, "email_remove");
    /** Whether an address is stored. */
    static final Script EMAIL_CONTAINS = load("email_contains", Script.Reply.INTEGER, "email_contains");
    /** The number of addresses stored. */
    static final Script EMAIL_COUNT = load("email_count", Script.Reply.INTEGER, "email_count");
    /** One page of addresses in capture order. */
    static final Script EMAIL_PAGE = load("email_page", Script.Reply.ARRAY, "lib", "email_page");

    private Scripts() {}

    private static Script load(String name, Script.Reply reply, String... files) {
        StringBuilder source = new StringBuilder();
        for (String file : files) {
            try (InputStream in = Scripts.class.getResourceAsStream(file + ".lua")) {
                if (in == null) {
                    throw new IllegalStateException("missing script resource " + file + ".lua");
                }
                source.append(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                        .append('\n');
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return Script.of(name, reply, source.toString());
    }
}
