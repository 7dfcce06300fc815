package dev.ratelimit.examples;

import dev.ratelimit.EmailStore;
import dev.ratelimit.email.AddResult;
import dev.ratelimit.redis.RedisConfig;
import dev.ratelimit.redis.RedisConnection;
import java.nio.file.Path;
import java.util.List;

/**
 * A process for {@link EmailDurabilityTest}: captures addresses while Redis is down, so they go to
 * the spool, then dies abruptly ({@code Runtime.halt}: no shutdown hook, no close).
 *
 * <p>Arguments: redis URL, spool file, number of addresses.
 */
public final class SpoolingWorker {

    static final int HALTED = 37;

    private SpoolingWorker() {}

    public static void main(String[] args) {
        EmailStore store = EmailStore.failover(
                List.of(RedisConnection.open(RedisConfig.fromUrl(args[0])).emailStore()), Path.of(args[1]));
        int count = Integer.parseInt(args[2]);
        int spooled = 0;
        for (int i = 0; i < count; i++) {
            if (store.add("spooled" + i + "@example.com", "worker") == AddResult.SPOOLED) {
                spooled++;
            }
        }
        System.out.println("spooled=" + spooled);
        System.out.flush();
        Runtime.getRuntime().halt(HALTED);
    }
}
