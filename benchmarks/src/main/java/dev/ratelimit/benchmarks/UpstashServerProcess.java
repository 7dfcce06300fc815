package dev.ratelimit.benchmarks;

import dev.ratelimit.testkit.redis.UpstashCompatibleServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * The testkit's Upstash-compatible server in a JVM of its own, so that a client measured against
 * it shares neither its JIT, its collector nor its threads — as a Node client in its own process
 * does not.
 */
final class UpstashServerProcess implements AutoCloseable {

    private final Process process;
    private final String url;
    private final String token;

    private UpstashServerProcess(Process process, String url, String token) {
        this.process = process;
        this.url = url;
        this.token = token;
    }

    /** Starts the server in front of the Redis at {@code redisUrl} and waits until it listens. */
    static UpstashServerProcess start(String redisUrl, String token) throws IOException {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Process process = new ProcessBuilder(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        UpstashCompatibleServer.class.getName(),
                        redisUrl,
                        token,
                        Integer.toString(port)))
                .redirectErrorStream(true)
                .start();
        BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        for (String line; (line = out.readLine()) != null; ) {
            seen.append(line).append('\n');
            if (line.startsWith("Upstash-compatible REST server on ")) {
                Thread drain = new Thread(() -> {
                    try {
                        while (out.readLine() != null) {
                            // the server's later output is of no use here
                        }
                    } catch (IOException e) {
                        // the process ended
                    }
                });
                drain.setDaemon(true);
                drain.start();
                return new UpstashServerProcess(process, "http://127.0.0.1:" + port, token);
            }
        }
        process.destroyForcibly();
        throw new IOException("the Upstash-compatible server did not start:\n" + seen);
    }

    String url() {
        return url;
    }

    String token() {
        return token;
    }

    long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
