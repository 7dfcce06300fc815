package dev.ratelimit.benchmarks;

import dev.ratelimit.spi.Script;
import dev.ratelimit.spi.ScriptTransport;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * A transport that passes every call on and remembers the last one: how a harness learns the exact
 * script, keys and arguments the library sends, to replay them with a bare client.
 */
final class RecordingTransport implements ScriptTransport {

    /** One call as it went out. */
    @SuppressWarnings("ArrayRecordComponent") // never compared or hashed: replayed as it is
    record Call(Script script, String[] keys, String[] args) {}

    private final ScriptTransport delegate;
    private volatile Call last;

    RecordingTransport(ScriptTransport delegate) {
        this.delegate = delegate;
    }

    /** The last call passed on. */
    Call last() {
        return last;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public String describe() {
        return delegate.describe();
    }

    @Override
    public CompletionStage<Object> evalSha(Script script, String[] keys, String[] args) {
        last = new Call(script, keys.clone(), args.clone());
        return delegate.evalSha(script, keys, args);
    }

    @Override
    public CompletionStage<Object> evalSource(Script script, String[] keys, String[] args) {
        last = new Call(script, keys.clone(), args.clone());
        return delegate.evalSource(script, keys, args);
    }

    @Override
    public void awaitConnection(Duration timeout) {
        delegate.awaitConnection(timeout);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
