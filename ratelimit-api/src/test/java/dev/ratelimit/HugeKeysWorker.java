package dev.ratelimit;

import java.time.Duration;

/**
 * A process for {@link HugeKeysTest}: 1,000 keys of 1 MB, each denied and so entered in the
 * limiter's block cache, in a JVM whose heap holds 256 MB. Prints {@code done} when every key was
 * denied and the limiter survived.
 */
public final class HugeKeysWorker {

    private HugeKeysWorker() {}

    public static void main(String[] args) {
        int keys = Integer.parseInt(args[0]);
        int megabytes = Integer.parseInt(args[1]);
        RateLimiter limiter = RateLimiter.builder()
                .policy(Policy.of("huge", Limit.perHour(1)))
                .deadline(Duration.ofSeconds(10))
                .build();
        char[] body = new char[megabytes * 1024 * 1024];
        java.util.Arrays.fill(body, 'x');
        int denied = 0;
        for (int i = 0; i < keys; i++) {
            String key = i + new String(body);
            limiter.tryAcquire(key);
            if (!limiter.tryAcquire(key).allowed()) {
                denied++;
            }
        }
        System.out.println("denied=" + denied);
        System.out.println("done");
    }
}
