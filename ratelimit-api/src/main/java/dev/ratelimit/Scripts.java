package dev.ratelimit;

import dev.ratelimit.spi.Script;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The library's Lua scripts, assembled from the resource files beside this class: each
 * algorithm's Lua lives in exactly one file, and the Redis and Upstash transports carry the same
 * bytes.
 */
final class Scripts {

    /**
     * Reserves a slice of a key's permits for a limiter to spend locally; see {@link LeaseScript}.
     * One script for every policy shape, over the algorithms as functions
     * ({@code lease_algorithms.lua}); the decision scripts are generated per shape instead.
     */
    static final Script LEASE = load("lease", Script.Reply.ARRAY, "lib", "lease_algorithms", "lease");
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

    private static final Map<String, String> RATE_LIMIT = sections("rate_limit");
    private static final Map<Character, Map<String, String>> ALGORITHMS =
            Map.of('f', sections("fixed_window"), 's', sections("sliding_window"), 't', sections("token_bucket"));
    private static final int CACHE_LIMIT = 1_000;
    private static final ConcurrentHashMap<String, Script> GENERATED = new ConcurrentHashMap<>();

    private Scripts() {}

    /**
     * The rate-limit script of one policy shape, generated from the sections of
     * {@code rate_limit.lua} and of the algorithm files as {@code rate_limit.lua} describes.
     *
     * @param shape one letter per limit, in policy order: {@code f}ixed window, {@code s}liding
     *     window or {@code t}oken bucket
     * @param explicitClock whether {@code now} is the last argument rather than the server's clock
     * @param graceMillis added to every key's TTL
     * @param request true for a request (stores what it consumes), false for a peek
     */
    static Script rateLimit(String shape, boolean explicitClock, long graceMillis, boolean request) {
        String id = shape + (explicitClock ? ":clock:" : ":server:") + graceMillis + (request ? ":request" : ":peek");
        Script script = GENERATED.get(id);
        if (script == null) {
            if (GENERATED.size() >= CACHE_LIMIT) {
                GENERATED.clear();
            }
            script = GENERATED.computeIfAbsent(
                    id,
                    k -> Script.of(
                            "rate_limit:" + k,
                            Script.Reply.ARRAY,
                            generate(shape, explicitClock, graceMillis, request)));
        }
        return script;
    }

    private static String generate(String shape, boolean explicitClock, long graceMillis, boolean request) {
        StringBuilder lua = new StringBuilder();
        shape.chars().distinct().forEach(a -> lua.append(algorithm((char) a).getOrDefault("helpers", "")));
        lua.append(get(RATE_LIMIT, explicitClock ? "explicit clock" : "server clock")
                .replace("$now", Integer.toString(2 + 2 * shape.length())));
        lua.append(get(RATE_LIMIT, "permits"));
        StringBuilder all = new StringBuilder();
        StringBuilder store = new StringBuilder();
        StringBuilder allowed = new StringBuilder();
        StringBuilder denied = new StringBuilder();
        for (int j = 1; j <= shape.length(); j++) {
            Map<String, String> sections = algorithm(shape.charAt(j - 1));
            lua.append(section(sections, "check", j, graceMillis));
            all.append(j == 1 ? "" : " and ").append("ok").append(j);
            store.append(section(sections, "store", j, graceMillis));
            allowed.append(j == 1 ? "" : ", ")
                    .append(section(sections, "allowed", j, graceMillis).strip());
            denied.append(j == 1 ? "" : ", ")
                    .append(section(sections, "denied", j, graceMillis).strip());
        }
        lua.append("if ").append(all).append(" then\n");
        if (request) {
            lua.append(store.toString().indent(2));
        }
        lua.append("  return {").append(allowed).append("}\nend\n");
        lua.append("return {").append(denied).append("}\n");
        return lua.toString();
    }

    private static Map<String, String> algorithm(char letter) {
        Map<String, String> sections = ALGORITHMS.get(letter);
        if (sections == null) {
            throw new IllegalArgumentException("no algorithm '" + letter + "'");
        }
        return sections;
    }

    private static String section(Map<String, String> sections, String name, int j, long graceMillis) {
        String text = get(sections, name);
        return (graceMillis == 0 ? text.replace(" + $grace", "") : text)
                .replace("$j", Integer.toString(j))
                .replace("$a", Integer.toString(2 * j))
                .replace("$b", Integer.toString(2 * j + 1))
                .replace("$grace", Long.toString(graceMillis));
    }

    private static String get(Map<String, String> sections, String name) {
        String text = sections.get(name);
        if (text == null) {
            throw new IllegalStateException("no section '" + name + "' in a rate-limit script resource");
        }
        return text;
    }

    /** The sections of a file: the text after each line {@code --- <name>}, up to the next. */
    private static Map<String, String> sections(String file) {
        Map<String, String> sections = new HashMap<>();
        String name = null;
        StringBuilder text = new StringBuilder();
        for (String line : read(file).split("\n", -1)) {
            if (line.startsWith("--- ")) {
                if (name != null) {
                    sections.put(name, text.toString());
                }
                name = line.substring(4).strip();
                text.setLength(0);
            } else if (name != null && !line.isEmpty()) {
                text.append(line).append('\n');
            }
        }
        if (name != null) {
            sections.put(name, text.toString());
        }
        return Map.copyOf(sections);
    }

    private static Script load(String name, Script.Reply reply, String... files) {
        StringBuilder source = new StringBuilder();
        for (String file : files) {
            source.append(read(file)).append('\n');
        }
        return Script.of(name, reply, source.toString());
    }

    private static String read(String file) {
        try (InputStream in = Scripts.class.getResourceAsStream(file + ".lua")) {
            if (in == null) {
                throw new IllegalStateException("missing script resource " + file + ".lua");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
