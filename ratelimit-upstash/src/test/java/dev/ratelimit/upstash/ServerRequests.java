package dev.ratelimit.upstash;

import dev.ratelimit.testkit.redis.UpstashCompatibleServer;
import java.util.concurrent.TimeUnit;

/** Waiting for a request to reach the Upstash-compatible server, so that it is in flight. */
final class ServerRequests {

    private ServerRequests() {}

    /** Returns once {@code server} has received more than {@code received} requests; fails after 10 s. */
    static void awaitMoreThan(UpstashCompatibleServer server, long received) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (server.requests() <= received) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no request reached the server");
            }
            Thread.onSpinWait();
        }
    }
}
