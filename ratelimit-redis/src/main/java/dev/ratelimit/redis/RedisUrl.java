package dev.ratelimit.redis;

import dev.ratelimit.spi.Checks;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Parses {@code REDIS_URL} by hand, because the places where generic URI parsers go wrong are the
 * ones that matter here: a raw {@code #}, {@code /}, {@code ?}, {@code @} or {@code %} in a password
 * silently moves the host, and IPv6 literals and comma-separated seed lists are not URIs at all.
 * Every error names the problem and never contains the password.
 */
final class RedisUrl {

    private RedisUrl() {}

    static RedisConfig.Builder parse(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("REDIS_URL is empty");
        }
        url = url.strip();
        int schemeEnd = url.indexOf("://");
        if (schemeEnd < 0) {
            throw new IllegalArgumentException("REDIS_URL has no scheme: expected redis://, rediss://, "
                    + "redis-sentinel:// or rediss-sentinel://");
        }
        String scheme = url.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
        boolean sentinel = scheme.endsWith("-sentinel");
        boolean tls = scheme.startsWith("rediss");
        if (!scheme.equals("redis")
                && !scheme.equals("rediss")
                && !scheme.equals("redis-sentinel")
                && !scheme.equals("rediss-sentinel")) {
            throw new IllegalArgumentException("REDIS_URL has the unknown scheme '" + Checks.printable(scheme)
                    + "': expected redis://, rediss://, redis-sentinel:// or rediss-sentinel://");
        }
        String rest = url.substring(schemeEnd + 3);
        RedisConfig.Builder b = RedisConfig.builder().tls(tls);

        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            userInfo(rest.substring(0, at), b);
            rest = rest.substring(at + 1);
        }
        int hostEnd = indexOfAny(rest, "/?#");
        String hosts = hostEnd < 0 ? rest : rest.substring(0, hostEnd);
        String tail = hostEnd < 0 ? "" : rest.substring(hostEnd);

        String fragment = null;
        int hash = tail.indexOf('#');
        if (hash >= 0) {
            fragment = tail.substring(hash + 1);
            tail = tail.substring(0, hash);
        }
        String query = null;
        int question = tail.indexOf('?');
        if (question >= 0) {
            query = tail.substring(question + 1);
            tail = tail.substring(0, question);
        }
        endpoints(hosts, sentinel ? 26_379 : 6_379, b);
        database(tail, b);
        boolean cluster = query != null && options(query, b);
        if (sentinel) {
            if (fragment == null || fragment.isEmpty()) {
                throw new IllegalArgumentException("a redis-sentinel:// URL names the master after '#': "
                        + "redis-sentinel://host:26379#mymaster");
            }
            b.sentinel(decode(fragment, "master name"));
        } else if (fragment != null) {
            throw new IllegalArgumentException("REDIS_URL has a '#' after the host; only redis-sentinel:// URLs "
                    + "name a master there. If the password contains '#', percent-encode it as %23");
        }
        if (cluster) {
            if (sentinel) {
                throw new IllegalArgumentException("REDIS_URL cannot be both Sentinel and Cluster");
            }
            b.cluster();
        }
        return b;
    }

    private static void userInfo(String info, RedisConfig.Builder b) {
        for (char c : new char[] {'#', '/', '?', '@'}) {
            if (info.indexOf(c) >= 0) {
                throw new IllegalArgumentException("the user name or password in REDIS_URL contains a raw '" + c
                        + "': percent-encode it as " + encode(String.valueOf(c)));
            }
        }
        int colon = info.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("REDIS_URL has user information without ':'; write "
                    + "redis://:PASSWORD@host for a password, or redis://USER:PASSWORD@host");
        }
        String user = decode(info.substring(0, colon), "user name");
        String password = decode(info.substring(colon + 1), "password");
        b.username(user.isEmpty() ? null : user);
        b.password(password.isEmpty() ? null : password);
    }

    private static void endpoints(String hosts, int defaultPort, RedisConfig.Builder b) {
        if (hosts.isEmpty()) {
            throw new IllegalArgumentException("REDIS_URL names no host");
        }
        for (String part : hosts.split(",", -1)) {
            String host;
            String port = null;
            if (part.startsWith("[")) {
                int close = part.indexOf(']');
                if (close < 0) {
                    throw new IllegalArgumentException("REDIS_URL has an IPv6 host without its closing ']'");
                }
                host = part.substring(1, close);
                String after = part.substring(close + 1);
                if (!after.isEmpty()) {
                    if (!after.startsWith(":")) {
                        throw new IllegalArgumentException("REDIS_URL has text after an IPv6 host: expected ':port'");
                    }
                    port = after.substring(1);
                }
            } else {
                int colon = part.lastIndexOf(':');
                if (part.indexOf(':') != colon) {
                    throw new IllegalArgumentException("REDIS_URL has a host with several ':'; an IPv6 host "
                            + "goes in brackets, as redis://[::1]:6379");
                }
                host = colon < 0 ? part : part.substring(0, colon);
                port = colon < 0 ? null : part.substring(colon + 1);
            }
            if (host.isEmpty()) {
                throw new IllegalArgumentException(
                        "REDIS_URL names no host" + (hosts.contains(",") ? " in one of its seeds" : ""));
            }
            int number = defaultPort;
            if (port != null) {
                try {
                    number = Integer.parseInt(port);
                } catch (NumberFormatException e) {
                    number = -1;
                }
                if (number < 1 || number > 65_535) {
                    // The text is not echoed: a URL missing its '@' puts the password here.
                    throw new IllegalArgumentException("REDIS_URL has a port that is not a number from 1 to 65535");
                }
            }
            b.endpoint(host, number);
        }
    }

    private static void database(String path, RedisConfig.Builder b) {
        if (path.isEmpty() || path.equals("/")) {
            return;
        }
        String index = path.substring(1);
        if (!index.matches("[0-9]{1,5}")) {
            throw new IllegalArgumentException("REDIS_URL has the path '" + Checks.printable(path)
                    + "': the only path is the database index, such as /0");
        }
        b.database(Integer.parseInt(index));
    }

    /** Applies the options; returns whether {@code cluster=true} was given. */
    private static boolean options(String query, RedisConfig.Builder b) {
        boolean cluster = false;
        for (String option : query.split("&", -1)) {
            if (option.isEmpty()) {
                continue;
            }
            int eq = option.indexOf('=');
            String name = eq < 0 ? option : option.substring(0, eq);
            String value = eq < 0 ? "" : decode(option.substring(eq + 1), "option " + name);
            switch (name) {
                case "cluster" -> cluster = bool(name, value);
                case "verify" -> {
                    try {
                        b.tlsVerify(RedisConfig.TlsVerify.valueOf(value.toUpperCase(Locale.ROOT)));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(
                                "REDIS_URL option verify='" + Checks.printable(value) + "': expected full, ca or none");
                    }
                }
                case "ca" -> b.caCertificate(Path.of(value));
                default ->
                    throw new IllegalArgumentException("REDIS_URL has the unknown option '" + Checks.printable(name)
                            + "': known options are cluster, verify and ca");
            }
        }
        return cluster;
    }

    private static boolean bool(String name, String value) {
        return switch (value) {
            case "true", "1", "yes", "" -> true;
            case "false", "0", "no" -> false;
            default ->
                throw new IllegalArgumentException(
                        "REDIS_URL option " + name + "='" + Checks.printable(value) + "': expected true or false");
        };
    }

    /** Percent-decodes; a '%' not followed by two hex digits is an error naming %25. */
    static String decode(String s, String what) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()
                        || Character.digit(s.charAt(i + 1), 16) < 0
                        || Character.digit(s.charAt(i + 2), 16) < 0) {
                    throw new IllegalArgumentException("the " + what + " in REDIS_URL contains a '%' that does not "
                            + "start an escape: percent-encode a literal '%' as %25");
                }
                out.write(Character.digit(s.charAt(i + 1), 16) * 16 + Character.digit(s.charAt(i + 2), 16));
                i += 2;
            } else {
                byte[] bytes = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(bytes, 0, bytes.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Percent-encodes everything but unreserved characters (RFC 3986). */
    static String encode(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c < 0x80 && (Character.isLetterOrDigit(c) || "-._~".indexOf(c) >= 0)) {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return out.toString();
    }

    private static int indexOfAny(String s, String chars) {
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }
}
