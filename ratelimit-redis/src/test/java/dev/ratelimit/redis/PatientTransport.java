package dev.ratelimit.redis;

import dev.ratelimit.spi.Script;
import dev.ratelimit.spi.ScriptTransport;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A transport with a 10 s deadline, for tests that compare decisions one by one: on a machine shared
 * with other builds a call can miss Redis's 500 ms, and the failure policy's answer is not the one
 * being compared.
 */
final class PatientTransport implements ScriptTransport {

    private final ScriptTransport transport;

    PatientTransport(ScriptTransport transport) {
        this.transport = transport;
    }

    @Override
    public String name() {
        return transport.name();
    }

    @Override
    public String describe() {
        return transport.describe();
    }

    @Override
    public CompletionStage<Object> evalSha(Script script, String[] keys, String[] args) {
        return transport.evalSha(script, keys, args);
    }

    @Override
    public CompletionStage<Object> evalSource(Script script, String[] keys, String[] args) {
        return transport.evalSource(script, keys, args);
    }

    @Override
    public void preload(Script script) {
        transport.preload(script);
    }

    @Override
    public Duration deadline() {
        return Duration.ofSeconds(10);
    }

    @Override
    public @Nullable Object partition(String hashTag) {
        return transport.partition(hashTag);
    }

    @Override
    public AutoCloseable whenConnected(Consumer<Object> listener) {
        return transport.whenConnected(listener);
    }

    @Override
    public void awaitConnection(Duration timeout) {
        transport.awaitConnection(timeout);
    }

    @Override
    public void close() {
        transport.close();
    }
}
