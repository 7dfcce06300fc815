package dev.ratelimit.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;

/** A plain Lettuce connection for tests to inspect and poke a server (INFO, SCRIPT FLUSH, MEMORY USAGE). */
final class RedisAdmin implements AutoCloseable {

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;

    RedisAdmin(int port) {
        client = RedisClient.create(RedisURI.create("127.0.0.1", port));
        connection = client.connect();
    }

    RedisCommands<String, String> sync() {
        return connection.sync();
    }

    /** The number of calls of {@code command} since the last CONFIG RESETSTAT (0 if none). */
    long calls(String command) {
        for (String line : sync().info("commandstats").split("\r?\n", -1)) {
            if (line.startsWith("cmdstat_" + command + ":")) {
                String calls = line.substring(line.indexOf("calls=") + 6);
                return Long.parseLong(calls.substring(0, calls.indexOf(',')));
            }
        }
        return 0;
    }

    /** The number of clients connected now, this one included. */
    long clients() {
        return info("clients", "connected_clients");
    }

    /** A counter of {@code INFO stats}, such as {@code total_reads_processed}. */
    long stat(String name) {
        return info("stats", name);
    }

    private long info(String section, String name) {
        for (String line : sync().info(section).split("\r?\n", -1)) {
            if (line.startsWith(name + ":")) {
                return Long.parseLong(line.substring(name.length() + 1).strip());
            }
        }
        throw new IllegalStateException("INFO " + section + " has no " + name);
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
