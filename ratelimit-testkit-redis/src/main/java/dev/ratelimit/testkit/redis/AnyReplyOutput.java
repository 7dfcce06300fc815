package dev.ratelimit.testkit.redis;

import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.CommandOutput;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Captures any RESP2 reply as plain values, for the Upstash-compatible server: {@link Long} for
 * integers, {@code byte[]} for bulk strings, {@link Status} for status replies, {@link ErrorReply}
 * for errors inside arrays, {@code null} for nil, and nested {@link List}s.
 */
final class AnyReplyOutput extends CommandOutput<byte[], byte[], Object> {

    record Status(String text) {}

    record ErrorReply(String message) {}

    private static final class Frame {
        final List<Object> list;
        int remaining;

        Frame(List<Object> list, int remaining) {
            this.list = list;
            this.remaining = remaining;
        }
    }

    private final Deque<Frame> stack = new ArrayDeque<>();

    AnyReplyOutput() {
        super(ByteArrayCodec.INSTANCE, null);
    }

    @Override
    public void set(@Nullable ByteBuffer bytes) {
        if (bytes == null) {
            add(null);
            return;
        }
        byte[] copy = new byte[bytes.remaining()];
        bytes.get(copy);
        add(copy);
    }

    @Override
    public void setSingle(@Nullable ByteBuffer bytes) {
        add(
                bytes == null
                        ? null
                        : new Status(StandardCharsets.UTF_8.decode(bytes).toString()));
    }

    @Override
    public void set(long integer) {
        add(integer);
    }

    @Override
    public void setError(ByteBuffer error) {
        if (stack.isEmpty()) {
            super.setError(error);
        } else {
            add(new ErrorReply(StandardCharsets.UTF_8.decode(error).toString()));
        }
    }

    @Override
    public void multi(int count) {
        if (count < 0) {
            add(null);
            return;
        }
        List<Object> list = new ArrayList<>(count);
        add(list);
        if (count > 0) {
            stack.push(new Frame(list, count));
        }
    }

    private void add(@Nullable Object value) {
        Frame top = stack.peek();
        if (top == null) {
            output = value;
            return;
        }
        top.list.add(value);
        top.remaining--;
        while (!stack.isEmpty() && stack.peek().remaining == 0) {
            stack.pop();
        }
    }
}
