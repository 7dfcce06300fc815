package dev.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class EmailSpoolTest {

    @TempDir
    Path dir;

    /** Regression: appends and takes for delivery once took their two locks in opposite orders. */
    @Test
    @Timeout(60)
    void concurrentAppendsAndTakes_loseNothing_andNeverDeadlock() throws Exception {
        EmailSpool spool = new EmailSpool(dir.resolve("emails.spool"));
        int threads = 8;
        int each = 1500;
        ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        AtomicBoolean appending = new AtomicBoolean(true);
        List<Path> taken = new ArrayList<>();
        Future<?> taker = pool.submit(() -> {
            while (appending.get()) {
                for (Path p : spool.takeForDelivery()) {
                    if (!taken.contains(p)) {
                        taken.add(p);
                    }
                }
            }
            return null;
        });
        List<Future<?>> writers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            final int thread = t;
            writers.add(pool.submit(() -> {
                for (int i = 0; i < each; i++) {
                    spool.append(new EmailSpool.Entry(
                            "t" + thread + "-" + i + "@example.com",
                            null,
                            Instant.ofEpochSecond(1_800_000_000L, i * 1_000L)));
                }
                return null;
            }));
        }
        for (Future<?> writer : writers) {
            writer.get(50, TimeUnit.SECONDS);
        }
        appending.set(false);
        taker.get(10, TimeUnit.SECONDS);
        pool.shutdown();
        taken.addAll(
                spool.takeForDelivery().stream().filter(p -> !taken.contains(p)).toList());
        List<String> all = new ArrayList<>();
        for (Path p : taken) {
            EmailSpool.read(p).forEach(e -> all.add(e.address()));
        }
        Set<String> unique = new HashSet<>(all);
        assertThat(all).hasSize(threads * each);
        assertThat(unique).hasSize(threads * each);
        spool.close();
    }

    @Test
    void tornAndForgedLines_areSkipped() throws Exception {
        Path file = dir.resolve("emails.spool");
        EmailSpool spool = new EmailSpool(file);
        spool.append(new EmailSpool.Entry("good@example.com", "landing", Instant.ofEpochSecond(1_800_000_000L)));
        spool.close();
        String good = Files.readString(file);
        Files.writeString(file, good + good.replace("good", "evil") + good.substring(0, 20));
        List<EmailSpool.Entry> entries = EmailSpool.read(file);
        assertThat(entries)
                .containsExactly(
                        new EmailSpool.Entry("good@example.com", "landing", Instant.ofEpochSecond(1_800_000_000L)));
    }
}
