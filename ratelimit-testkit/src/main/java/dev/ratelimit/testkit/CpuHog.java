package dev.ratelimit.testkit;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps the machine's cores busy for a test that must pass on a loaded machine: one
 * {@code yes > /dev/null} process per core asked for, stopped by their PIDs on {@link #close()}.
 */
public final class CpuHog implements AutoCloseable {

    private final List<Process> processes = new ArrayList<>();

    private CpuHog() {}

    /**
     * Starts {@code cores} busy processes.
     *
     * @param cores how many processes to start, one per core to keep busy
     * @return the running processes; close it to stop them
     * @throws IOException if a process cannot be started ({@code yes} not on the path, say); those
     *     already started are stopped first
     */
    public static CpuHog start(int cores) throws IOException {
        CpuHog hog = new CpuHog();
        try {
            for (int i = 0; i < cores; i++) {
                hog.processes.add(new ProcessBuilder("yes")
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectErrorStream(true)
                        .start());
            }
        } catch (IOException e) {
            hog.close();
            throw e;
        }
        return hog;
    }

    /** {@return the busy processes' PIDs, in the order they were started} */
    public List<Long> pids() {
        return processes.stream().map(Process::pid).toList();
    }

    @Override
    public void close() {
        for (Process process : processes) {
            process.destroyForcibly();
        }
        for (Process process : processes) {
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
