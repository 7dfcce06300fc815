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

    /** One rate-limit decision; see {@link RateLimitScript}. */
    public static final Script RATE_LIMIT =
            load("rate_limit", "lib", "fixed_window", "sliding_window", "token_bucket", "rate_limit");
    /** Adds an address if its identity is new; see {@link EmailScripts}. */
    public static final Script EMAIL_ADD = load("email_add", "lib", "email_add");
    /** Erases an address. */
    public static final Script EMAIL_REMOVE = load("email_remove", "email_remove");
    /** One page of addresses in capture order. */
    public static final Script EMAIL_PAGE = load("email_page", "lib", "email_page");

    private final String name;
    private final String source;
    private final String sha1;

    private Script(String name, String source) {
        this.name = name;
        this.source = source;
        this.sha1 = sha1(source);
    }

    private static Script load(String name, String... files) {
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
        return new Script(name, source.toString());
    }

    /** The script's name, for logs. */
    public String name() {
        return name;
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
        return new Script(name, "#!lua flags=" + flags + "\n" + source);
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
