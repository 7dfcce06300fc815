package dev.ratelimit.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The real demo — or another main class of the examples — started as its own process with the
 * given environment, as a platform would start it.
 */
final class DemoProcess implements AutoCloseable {

    private final Process process;
    private final String host;
    private final int port;
    private final CopyOnWriteArrayList<String> output = new CopyOnWriteArrayList<>();

    DemoProcess(Map<String, String> env) throws Exception {
        this(ThreadrDemo.class, "Threadr demo listening", env);
    }

    /** Starts {@code main} with {@code env} and {@code PORT}; ready once it prints a line containing {@code ready}. */
    DemoProcess(Class<?> main, String ready, Map<String, String> env, String... args) throws Exception {
        host = env.getOrDefault("HOST", "127.0.0.1");
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            port = socket.getLocalPort();
        }
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ProcessBuilder builder = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        classPath,
                        "-Xmx256m",
                        main.getName())
                .redirectErrorStream(true);
        builder.command().addAll(java.util.List.of(args));
        builder.environment().remove("REDIS_URL");
        builder.environment().remove("UPSTASH_REDIS_REST_URL");
        builder.environment().remove("UPSTASH_REDIS_REST_TOKEN");
        builder.environment().putAll(env);
        builder.environment().put("PORT", Integer.toString(port));
        process = builder.start();
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader in = new BufferedReader(
                            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                        for (String line = in.readLine(); line != null; line = in.readLine()) {
                            output.add(line);
                        }
                    } catch (IOException e) {
                        output.add("(output ended: " + e + ")");
                    }
                },
                "demo-output");
        reader.setDaemon(true);
        reader.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (output.stream().noneMatch(l -> l.contains(ready))) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                close();
                throw new IllegalStateException(main.getSimpleName() + " did not start:\n" + log());
            }
            Thread.sleep(20);
        }
    }

    int port() {
        return port;
    }

    /** {@code http://host:port}, the demo's origin. */
    String origin() {
        return "http://" + host + ":" + port;
    }

    String log() {
        return String.join("\n", output);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (process.waitFor(15, TimeUnit.SECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroyForcibly();
    }
}
