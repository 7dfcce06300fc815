package dev.ratelimit.spi;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One Lua script that the script-running backends (Redis, Upstash) send: its source, assembled
 * from the resource files beside this class, and its SHA-1 for {@code EVALSHA}. Each algorithm's
 * Lua lives in exactly one file; the backends differ only in how they carry the bytes.
 */
public final class Script {

    /** What a script returns, for transports that need to know how to read the reply. */
    public enum Reply {
        /** One integer. */
        INTEGER,
        /** An array of integers, strings or nils. */
        ARRAY
    }

    /** One rate-limit decision; see {@link RateLimitScript}. */
    public static final Script RATE_LIMIT = load("rate_limit", Reply.ARRAY,
            "lib", "fixed_window", "sliding_window", "token_bucket", "rate_limit");
    /** Deletes a caller's state keys. */
    public static final Script RESET = load("reset", Reply.INTEGER, "reset");
    /** Adds an address if its identity is new; see {@link EmailScripts}. */
    public static final Script EMAIL_ADD = load("email_add", Reply.INTEGER, "lib", "email_add");
    /** Erases an address. */
    public static final Script EMAIL_REMOVE = load("email_remove", Reply.INTEGER, "email_remove");
    /** Whether an address is stored. */
    public static final Script EMAIL_CONTAINS = load("email_contains", Reply.INTEGER, "email_contains");
    /** The number of addresses stored. */
    public static final Script EMAIL_COUNT = load("email_count", Reply.INTEGER, "email_count");
    /** One page of addresses in capture order. */
    public static final Script EMAIL_PAGE = load("email_page", Reply.ARRAY, "lib", "email_page");

    /** Every script, for transports that load them ahead of the first call. */
    public static final java.util.List<Script> ALL = java.util.List.of(RATE_LIMIT, RESET, EMAIL_ADD, EMAIL_REMOVE,
            EMAIL_CONTAINS, EMAIL_COUNT, EMAIL_PAGE);

    private final String name;
    private final Reply reply;
    private final String source;
    private final String sha1;

    private Script(String name, Reply reply, String source) {
        this.name = name;
        this.reply = reply;
        this.source = source;
        this.sha1 = sha1(source);
    }

    private static Script load(String name, Reply reply, String... files) {
        StringBuilder source = new StringBuilder();
        for (String file : files) {
            try (InputStream in = Script.class.getResourceAsStream(file + ".lua")) {
                if (in == null) {
                    throw new IllegalStateException("missing script resource " + file + ".lua");
                }
                source.append(new String(in.readAllBytes(), StandardCharsets.UTF_8)).append('\n');
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new Script(name, reply, source.toString());
    }

    /** The script's name, for logs. */
    public String name() {
        return name;
    }

    /** What the script returns. */
    public Reply reply() {
        return reply;
    }

    /** The Lua source, as sent with {@code EVAL}. */
    public String source() {
        return source;
    }

    /** The lower-case hex SHA-1 of {@link #source()}, as sent with {@code EVALSHA}. */
    public String sha1() {
        return sha1;
    }

    /**
     * This script with a first line {@code #!lua flags=<flags>}: Upstash runs a script that
     * declares {@code allow-key-locking} without its global lock (every key it touches is in
     * {@code KEYS}, as in all of these scripts). Stock Redis refuses that flag.
     */
    public Script withFlags(String flags) {
        return new Script(name, reply, "#!lua flags=" + flags + "\n" + source);
    }

    /** Whether {@code failure} is Redis's answer to {@code EVALSHA} of a script it does not have. */
    public static boolean isNoScript(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String message = t.getMessage();
            if (message != null && message.startsWith("NOSCRIPT")) {
                return true;
            }
        }
        return false;
    }

    private static String sha1(String source) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-1", e);
        }
    }

    @Override
    public String toString() {
        return "Script[" + name + ", " + sha1 + "]";
    }
}
