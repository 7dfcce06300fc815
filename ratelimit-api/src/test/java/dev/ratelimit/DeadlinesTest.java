package dev.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class DeadlinesTest {

    private static final long HOUR = TimeUnit.HOURS.toNanos(1);

    @Test
    void aCallPastItsDeadline_failsWithATimeout_andAFinishedOneKeepsItsAnswer() {
        CompletableFuture<String> late = new CompletableFuture<>();
        CompletableFuture<String> answered = new CompletableFuture<>();
        Deadlines.watch(answered, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20));
        Deadlines.watch(late, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20));
        answered.complete("yes");

        assertThatThrownBy(() -> late.get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(TimeoutException.class);
        assertThat(answered.join()).isEqualTo("yes");
    }

    @Test
    void anEarlierDeadlineWatchedAfterALaterOne_failsFirst() throws Exception {
        CompletableFuture<String> later = new CompletableFuture<>();
        CompletableFuture<String> sooner = new CompletableFuture<>();
        Deadlines.watch(later, System.nanoTime() + HOUR);
        Deadlines.watch(sooner, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1));

        assertThatThrownBy(() -> sooner.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(TimeoutException.class);
        assertThat(later).isNotDone();
        later.complete("done");
    }
}
