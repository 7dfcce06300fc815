package dev.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * The sweeper that fails calls past their deadline. Each test waits at most 30 s for what should
 * take milliseconds: the bound fails a test only when a deadline was slept through.
 */
class DeadlinesTest {

    private static final long HOUR = TimeUnit.HOURS.toNanos(1);
    private static final long MILLI = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void aCallPastItsDeadline_failsWithATimeout_andAFinishedOneKeepsItsAnswer() {
        CompletableFuture<String> late = new CompletableFuture<>();
        CompletableFuture<String> answered = new CompletableFuture<>();
        Deadlines.watch(answered, System.nanoTime() + HOUR);
        Deadlines.watch(late, System.nanoTime() + 20 * MILLI);
        answered.complete("yes");

        assertTimedOut(late);
        assertThat(answered.join()).isEqualTo("yes");
    }

    /** A sweeper that would otherwise sleep for an hour: only the wake-up can fail the call in time. */
    @Test
    void aSweeperAsleepUntilALaterDeadline_isWokenByAnEarlierOne() throws Exception {
        Deadlines deadlines =
                new Deadlines("test-wake", Duration.ofHours(1), Duration.ofMillis(1), Duration.ofHours(1));
        CompletableFuture<String> later = new CompletableFuture<>();
        deadlines.add(later, System.nanoTime() + HOUR);
        long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (deadlines.wakeAt() - System.nanoTime() < HOUR / 2) {
            assertThat(System.nanoTime() - waitUntil)
                    .as("the sweeper's first sweep")
                    .isNegative();
            Thread.sleep(1);
        }

        CompletableFuture<String> sooner = new CompletableFuture<>();
        deadlines.add(sooner, System.nanoTime() + MILLI);

        assertTimedOut(sooner);
        assertThat(later).isNotDone();
        later.complete("done");
    }

    /** Four threads watching calls while the sweeper sweeps, with no periodic sweep to rescue a lost wake-up. */
    @Test
    void callsWatchedDuringSweeps_allFailAtTheirDeadlines() throws Exception {
        Deadlines deadlines =
                new Deadlines("test-race", Duration.ofHours(1), Duration.ofMillis(1), Duration.ofHours(1));
        List<CompletableFuture<String>> calls = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            List<CompletableFuture<String>> mine = new ArrayList<>();
            for (int i = 0; i < 250; i++) {
                mine.add(new CompletableFuture<>());
            }
            calls.addAll(mine);
            threads.add(new Thread(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (CompletableFuture<String> call : mine) {
                    deadlines.add(call, System.nanoTime() + random.nextLong(3 * MILLI));
                    for (int spin = random.nextInt(2_000); spin > 0; spin--) {
                        Thread.onSpinWait();
                    }
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread thread : threads) {
            thread.join();
        }
        for (CompletableFuture<String> call : calls) {
            assertTimedOut(call);
        }
    }

    /** A sweeper that ends after 1 ms with nothing to watch, and calls watched as it ends. */
    @Test
    void aCallWatchedAsTheSweeperEnds_stillFails() throws Exception {
        Deadlines deadlines =
                new Deadlines("test-idle", Duration.ofMillis(10), Duration.ofMillis(1), Duration.ofMillis(1));
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < 100; i++) {
            CompletableFuture<String> call = new CompletableFuture<>();
            deadlines.add(call, System.nanoTime() + MILLI);
            assertTimedOut(call);
            Thread.sleep(random.nextInt(4));
        }
    }

    private static void assertTimedOut(CompletableFuture<String> call) {
        assertThatThrownBy(() -> call.get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(TimeoutException.class);
    }
}
