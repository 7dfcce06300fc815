package dev.ratelimit.testkit.redis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * One real {@code redis-server} process on a free port of 127.0.0.1 (and ::1), that a test can
 * kill, pause and restart. Nothing is persisted; the working directory is deleted on
 * {@link #close()}. The binary comes from {@link RedisBinary}.
 */
public final class RedisServer implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final Path dir;
    private final List<String> extraArgs;
    private final @Nullable TlsFiles tls;
    private final @Nullable String sentinelConfig;
    private int port;
    private @Nullable Process process;
    private int starts;
    private boolean paused;

    private RedisServer(Path dir, @Nullable TlsFiles tls, List<String> extraArgs, @Nullable String sentinelConfig) {
        this.dir = dir;
        this.tls = tls;
        this.extraArgs = List.copyOf(extraArgs);
        this.sentinelConfig = sentinelConfig;
    }

    /**
     * Starts a plain server on a free port, nothing persisted.
     *
     * @param extraArgs passed to {@code redis-server} as given, after the testkit's own options
     * @return the running server, ready to accept connections
     * @throws IllegalStateException if no {@code redis-server} is found, or it exits, does not
     *     become ready in 20 s, or finds no free port in 5 attempts
     * @throws java.io.UncheckedIOException if its working directory cannot be made or the process
     *     cannot be started
     */
    public static RedisServer start(String... extraArgs) {
        return start(null, List.of(extraArgs));
    }

    /**
     * Starts a server that accepts only TLS, with the certificate and key in {@code tls}; clients
     * need no certificate of their own.
     *
     * @param tls the files, such as {@link TlsFiles#generate} makes
     * @return the running server, ready to accept connections on its TLS port
     * @throws IllegalStateException if no {@code redis-server} is found, or it exits, does not
     *     become ready in 20 s, or finds no free port in 5 attempts
     * @throws java.io.UncheckedIOException if its working directory cannot be made or the process
     *     cannot be started
     */
    public static RedisServer startTls(TlsFiles tls) {
        return start(tls, List.of());
    }

    static RedisServer start(@Nullable TlsFiles tls, List<String> extraArgs) {
        return start(tls, extraArgs, false);
    }

    /**
     * Starts a Sentinel that monitors {@code master} under the name {@code masterName} (quorum 1),
     * for {@code redis-sentinel://} URLs. It takes the master for down after 1 s without an answer.
     *
     * @param master the server to monitor, running
     * @param masterName the name clients ask the Sentinel for
     * @return the running Sentinel, once it monitors the master
     * @throws IllegalStateException if no {@code redis-server} is found, or it exits, does not
     *     become ready in 20 s, or finds no free port in 5 attempts
     * @throws java.io.UncheckedIOException if its working directory or configuration cannot be
     *     written or the process cannot be started
     */
    public static RedisServer startSentinel(RedisServer master, String masterName) {
        return start(
                null,
                List.of(),
                false,
                "sentinel monitor " + masterName + " 127.0.0.1 " + master.port() + " 1\n"
                        + "sentinel down-after-milliseconds " + masterName + " 1000\n");
    }

    static RedisServer start(@Nullable TlsFiles tls, List<String> extraArgs, boolean clusterBusPortFree) {
        return start(tls, extraArgs, clusterBusPortFree, null);
    }

    private static RedisServer start(
            @Nullable TlsFiles tls,
            List<String> extraArgs,
            boolean clusterBusPortFree,
            @Nullable String sentinelConfig) {
        try {
            RedisServer server =
                    new RedisServer(Files.createTempDirectory("ratelimit-redis"), tls, extraArgs, sentinelConfig);
            for (int attempt = 1; ; attempt++) {
                server.port = freePort(clusterBusPortFree);
                try {
                    server.launch();
                    return server;
                } catch (PortTakenException e) {
                    if (attempt == 5) {
                        throw new IllegalStateException("no free port for redis-server after 5 attempts", e);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@return the port the server listens on (its TLS port for a TLS server); kept across restarts} */
    public int port() {
        return port;
    }

    /**
     * {@return {@code redis://127.0.0.1:<port>}, or {@code rediss://localhost:<port>} for a TLS
     * server (the name its certificate is for)}
     */
    public String url() {
        return tls == null ? "redis://127.0.0.1:" + port : "rediss://localhost:" + port;
    }

    /**
     * The process id, for tests that signal it themselves.
     *
     * @return the id of the current process (a new one after {@link #restart()})
     * @throws IllegalStateException if the server has not started
     */
    public long pid() {
        Process running = process;
        if (running == null) {
            throw new IllegalStateException("the server has not started");
        }
        return running.pid();
    }

    /** {@return whether the process is alive (a paused process is alive)} */
    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Kills the process with SIGKILL, as a crash would, and waits until it is gone. */
    public void kill() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("redis-server " + pid() + " survived SIGKILL for 10 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        paused = false;
    }

    /** Freezes the process with SIGSTOP: connections stay open and nothing answers. */
    public void pause() {
        signal("STOP");
        paused = true;
    }

    /** Thaws a paused process with SIGCONT. */
    public void resume() {
        signal("CONT");
        paused = false;
    }

    /** Kills the process if it runs, then starts it again on the same port, empty. */
    public void restart() {
        kill();
        try {
            launch();
        } catch (PortTakenException e) {
            throw new IllegalStateException("port " + port + " was taken while redis-server was down", e);
        }
    }

    /**
     * {@return the log of the current process so far, for failure messages} If it cannot be read,
     * a line saying why.
     */
    public String log() {
        try {
            return Files.readString(logFile(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() {
        if (paused) {
            resume();
        }
        kill();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a temp directory left behind is harmless
        }
    }

    @Override
    public String toString() {
        return "RedisServer[" + url() + (isRunning() ? (paused ? ", paused" : "") : ", down") + "]";
    }

    Path dir() {
        return dir;
    }

    private Path logFile() {
        return dir.resolve("redis-" + starts + ".log");
    }

    private void launch() throws PortTakenException {
        starts++;
        List<String> command = new ArrayList<>(List.of(RedisBinary.find().toString()));
        if (sentinelConfig != null) {
            Path config = dir.resolve("sentinel.conf");
            try {
                Files.writeString(config, sentinelConfig);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            command.addAll(List.of(config.toString(), "--sentinel"));
        } else {
            command.addAll(List.of("--save", "", "--appendonly", "no"));
        }
        command.addAll(List.of(
                "--bind",
                "127.0.0.1",
                "-::1",
                "--protected-mode",
                "no",
                "--daemonize",
                "no",
                "--dir",
                dir.toString(),
                "--logfile",
                logFile().toString()));
        if (tls == null) {
            command.addAll(List.of("--port", Integer.toString(port)));
        } else {
            command.addAll(List.of(
                    "--port",
                    "0",
                    "--tls-port",
                    Integer.toString(port),
                    "--tls-cert-file",
                    tls.certificate().toString(),
                    "--tls-key-file",
                    tls.privateKey().toString(),
                    "--tls-ca-cert-file",
                    tls.caCertificate().toString(),
                    "--tls-auth-clients",
                    "no"));
        }
        command.addAll(extraArgs);
        try {
            process = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("stdout-" + starts + ".txt").toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + command.get(0), e);
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            String log = log();
            if (log.contains(sentinelConfig == null ? "Ready to accept connections" : "+monitor master")) {
                return;
            }
            if (!process.isAlive()) {
                if (log.contains("Address already in use")) {
                    throw new PortTakenException();
                }
                throw new IllegalStateException("redis-server exited with " + process.exitValue() + ":\n" + log);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        kill();
        throw new IllegalStateException("redis-server did not become ready in " + START_TIMEOUT + ":\n" + log());
    }

    private void signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid()))
                    .inheritIO()
                    .start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    // The bus socket is opened only to see that the cluster bus port is free too.
    @SuppressWarnings("try")
    private static int freePort(boolean busPortToo) throws IOException {
        for (; ; ) {
            int port;
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = socket.getLocalPort();
            }
            if (!busPortToo) {
                return port;
            }
            if (port + 10_000 <= 65_535) {
                try (ServerSocket bus = new ServerSocket(port + 10_000, 1, InetAddress.getLoopbackAddress())) {
                    return port;
                } catch (IOException taken) {
                    // try another
                }
            }
        }
    }

    private static final class PortTakenException extends Exception {
        private static final long serialVersionUID = 1L;
    }
}
