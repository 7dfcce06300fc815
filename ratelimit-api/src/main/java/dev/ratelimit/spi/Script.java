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

    /**
     * {@return a script named {@code name} with this source and reply}
     *
     * @param name a name for messages, such as {@code "rate-limit"}; not null
     * @param reply what the script returns, so a transport knows how to read it; not null
     * @param source the Lua source; its SHA-1 is computed here; not null
     */
    public static Script of(String name, Reply reply, String source) {
        return new Script(name, reply, source);
    }

    /** {@return the script's name, for messages} */
    public String name() {
        return name;
    }

    /** {@return what the script returns} */
    public Reply reply() {
        return reply;
    }

    /** {@return the Lua source, as sent with {@code EVAL}} */
    public String source() {
        return source;
    }

    /** {@return the lower-case hex SHA-1 of {@link #source()}, as sent with {@code EVALSHA}} */
    public String sha1() {
        return sha1;
    }

    /**
     * {@return this script with a first line {@code #!lua flags=<flags>}, under the same name} Upstash
     * runs a script that declares {@code allow-key-locking} without its global lock (every key the
     * library's scripts touch is in {@code KEYS}). Stock Redis refuses that flag.
     *
     * @param flags the flags as the shebang line lists them, comma-separated, such as
     *     {@code "allow-key-locking"}
     */
    public Script withFlags(String flags) {
        return new Script(name, reply, "#!lua flags=" + flags + "\n" + source);
    }

    /**
     * {@return whether {@code failure}, or one of its causes, is a server's {@code NOSCRIPT} answer
     * to {@code EVALSHA}} A failure counts when its message starts with {@code NOSCRIPT}.
     *
     * @param failure the failure of an {@code EVALSHA} call
     */
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
