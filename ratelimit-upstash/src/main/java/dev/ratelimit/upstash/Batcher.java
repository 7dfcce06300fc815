package dev.ratelimit.upstash;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Auto-batching: calls wait in a queue. When no request is in flight, everything queued (up to
 * {@code batchSize}) goes out at once, so a lone call is never held back. While requests are in
 * flight, the queue grows into the next batch, which goes out when a request completes or as soon
 * as it is full — up to {@code maxInFlight} requests at once. While a request's calls are being
 * completed, the calls their callers make at once join the queue and go out together when the
 * completion ends: a caller that asks again from its callback would otherwise find nothing in
 * flight and go out alone, the others then waiting a round trip for it. With a {@code linger}, a
 * batch smaller than the maximum waits up to that long for company.
 */
final class Batcher {

    /** One queued command and the future its caller holds. */
    record Call(List<String> command, CompletableFuture<Object> result) {}

    private final int batchSize;
    private final int maxInFlight;
    private final Duration linger;
    private final Executor executor;
    private final Consumer<List<Call>> sender;

    private final Object lock = new Object();
    private final ArrayDeque<Call> queue = new ArrayDeque<>();
    private int inFlight;
    private int completing;
    private boolean lingerDue;
    private boolean lingerScheduled;
    private boolean closed;

    /**
     * @param sender sends one batch as one request; when its answer is in, it calls
     *     {@link #completing()}, completes the batch's calls, then calls {@link #completed()}
     */
    Batcher(int batchSize, int maxInFlight, Duration linger, Executor executor, Consumer<List<Call>> sender) {
        this.batchSize = batchSize;
        this.maxInFlight = maxInFlight;
        this.linger = linger;
        this.executor = executor;
        this.sender = sender;
    }

    /** Queues {@code command}; the future fails with {@code closed} once the batcher is closed. */
    CompletableFuture<Object> submit(List<String> command, Exception closedFailure) {
        Call call = new Call(command, new CompletableFuture<>());
        synchronized (lock) {
            if (closed) {
                call.result.completeExceptionally(closedFailure);
                return call.result;
            }
            queue.add(call);
        }
        pump();
        return call.result;
    }

    /**
     * A request's answer is in: frees its slot, and holds the queue until {@link #completed()} while
     * its calls are completed.
     */
    void completing() {
        synchronized (lock) {
            inFlight--;
            completing++;
        }
    }

    /** The calls of a request are completed: sends what their callers queued meanwhile. */
    void completed() {
        synchronized (lock) {
            completing--;
        }
        pump();
    }

    /** Sends whatever may go out now. */
    void pump() {
        List<List<Call>> ready = new ArrayList<>();
        synchronized (lock) {
            while (!queue.isEmpty() && inFlight < maxInFlight && completing == 0) {
                boolean full = queue.size() >= batchSize;
                if (inFlight > 0 && !full) {
                    // A request is in flight: let the queue grow into the next batch; a completion,
                    // or a full batch, sends it.
                    break;
                }
                if (!full && !linger.isZero() && !lingerDue) {
                    if (!lingerScheduled) {
                        lingerScheduled = true;
                        CompletableFuture.delayedExecutor(linger.toNanos(), TimeUnit.NANOSECONDS, executor)
                                .execute(this::lingerElapsed);
                    }
                    break;
                }
                List<Call> batch = new ArrayList<>(Math.min(batchSize, queue.size()));
                while (batch.size() < batchSize && !queue.isEmpty()) {
                    batch.add(queue.poll());
                }
                inFlight++;
                ready.add(batch);
            }
            if (queue.isEmpty()) {
                lingerDue = false;
            }
        }
        for (List<Call> batch : ready) {
            sender.accept(batch);
        }
    }

    private void lingerElapsed() {
        synchronized (lock) {
            lingerScheduled = false;
            lingerDue = true;
        }
        pump();
    }

    /** Refuses new calls and returns those still queued, for the caller to fail. */
    List<Call> close() {
        synchronized (lock) {
            closed = true;
            List<Call> abandoned = new ArrayList<>(queue);
            queue.clear();
            return abandoned;
        }
    }
}
