package dev.ratelimit.spi;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A Lua script that a {@link ScriptTransport} runs: its name, its source and the SHA-1 by which
 * {@code EVALSHA} names it. Immutable.
 */
public final class Script {

    /** What a script returns, for transports that need to know how to read the reply. */
    public enum Reply {
        /** One integer. */
        INTEGER,
        /** An array of integers, strings or nils. */
        ARRAY
    }

    private final String name;
    private final Reply reply;
    private final String source;
    private final String sha1;

    private Script(String name, Reply reply, String source) {
        this.name = Objects.requireNonNull(name, "name");
        this.reply = Objects.requireNonNull(reply, "reply");
        this.source = Objects.requireNonNull(source, "source");
        this.sha1 = sha1(source);
    }

    /** A script named {@code name} (for messages) with this source and reply. */
    public static Script of(String name, Reply reply, String source) {
        return new Script(name, reply, source);
    }

    /** The script's name, for messages. */
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
     * declares {@code allow-key-locking} without its global lock (every key the library's scripts
     * touch is in {@code KEYS}). Stock Redis refuses that flag.
     */
    public Script withFlags(String flags) {
        return new Script(name, reply, "#!lua flags=" + flags + "\n" + source);
    }

    /** Whether {@code failure}, or one of its causes, is a server's {@code NOSCRIPT} answer to {@code EVALSHA}. */
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
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-1", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Script other && sha1.equals(other.sha1) && name.equals(other.name) && reply == other.reply;
    }

    @Override
    public int hashCode() {
        return sha1.hashCode();
    }

    @Override
    public String toString() {
        return "Script[" + name + ", " + sha1 + "]";
    }
}
