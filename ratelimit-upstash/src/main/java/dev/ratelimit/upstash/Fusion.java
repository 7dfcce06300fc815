package dev.ratelimit.upstash;

import dev.ratelimit.spi.Script;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Fused script calls: consecutive calls in one batch that run the same script go out as one
 * {@code EVALSHA} of the script's fused form instead of one {@code EVALSHA} each. The fused form
 * wraps the script's body in a function of {@code KEYS} and {@code ARGV}, runs it once per call on
 * that call's own keys and arguments, each run under {@code pcall}, and answers one item per call:
 * {@code {1, reply}} (just {@code {1}} for a nil reply) or {@code {0, error}} (an error raised, or
 * an error reply returned). So each call gets the reply it would have got alone, or an error for
 * the same cause (its message without the script-location prefix an unfused call's error carries),
 * in the order the calls were queued; the server runs one command, not one per call, and parses,
 * queues and answers one.
 *
 * <p>The fused command's arguments: the number of calls {@code n}, then each call's key count and
 * argument count, then every call's arguments in turn; its keys are every call's keys in turn.
 */
final class Fusion {

    private Fusion() {}

    /** {@return the fused form of {@code script}} A {@code #!lua} line stays the first line. */
    static Script of(Script script) {
        String source = script.source();
        String shebang = "";
        if (source.startsWith("#!")) {
            int end = source.indexOf('\n');
            shebang = end < 0 ? source + "\n" : source.substring(0, end + 1);
            source = end < 0 ? "" : source.substring(end + 1);
        }
        String fused = shebang
                + "local function one(KEYS, ARGV)\n"
                + source
                + "\nend\n"
                + "local n = tonumber(ARGV[1])\n"
                + "local out = {}\n"
                + "local k, a = 0, 1 + 2 * n\n"
                + "for i = 1, n do\n"
                + "  local nk, na = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])\n"
                + "  local keys, args = {}, {}\n"
                + "  for j = 1, nk do keys[j] = KEYS[k + j] end\n"
                + "  for j = 1, na do args[j] = ARGV[a + j] end\n"
                + "  k, a = k + nk, a + na\n"
                + "  local ok, r = pcall(one, keys, args)\n"
                + "  if ok and type(r) == 'table' and r.err then\n"
                + "    out[i] = {0, r.err}\n"
                + "  elseif ok then\n"
                + "    out[i] = {1, r}\n"
                + "  else\n"
                + "    out[i] = {0, type(r) == 'table' and r.err or tostring(r)}\n"
                + "  end\n"
                + "end\n"
                + "return out\n";
        return Script.of(script.name() + " (fused)", Script.Reply.ARRAY, fused);
    }

    /**
     * {@return one {@code EVALSHA} of the fused script {@code fusedSha} for {@code calls}} Each call's
     * command is {@code EVALSHA sha numkeys key… arg…}.
     */
    static List<String> command(String fusedSha, List<Batcher.Call> calls) {
        List<String> keys = new ArrayList<>();
        List<String> counts = new ArrayList<>(1 + 2 * calls.size());
        List<String> args = new ArrayList<>();
        counts.add(Integer.toString(calls.size()));
        for (Batcher.Call call : calls) {
            List<String> command = call.command();
            int numKeys = Integer.parseInt(command.get(2));
            int numArgs = command.size() - 3 - numKeys;
            keys.addAll(command.subList(3, 3 + numKeys));
            args.addAll(command.subList(3 + numKeys, command.size()));
            counts.add(Integer.toString(numKeys));
            counts.add(Integer.toString(numArgs));
        }
        List<String> fused = new ArrayList<>(3 + keys.size() + counts.size() + args.size());
        fused.add("EVALSHA");
        fused.add(fusedSha);
        fused.add(Integer.toString(keys.size()));
        fused.addAll(keys);
        fused.addAll(counts);
        fused.addAll(args);
        return fused;
    }

    /**
     * Completes each of {@code calls} with its item of the fused script's {@code reply}: the
     * call's reply, or an {@link UpstashException} of kind {@code COMMAND} with the call's error
     * (an error reply the script returned, too); an answer of another shape fails them as
     * {@code TRANSPORT}.
     */
    static void settle(List<Batcher.Call> calls, @Nullable Object reply, String server) {
        if (!(reply instanceof List<?> items) || items.size() != calls.size()) {
            for (Batcher.Call call : calls) {
                call.result()
                        .completeExceptionally(new UpstashException(
                                UpstashException.Kind.TRANSPORT,
                                server + " answered a fused call of " + calls.size() + " with something else",
                                null));
            }
            return;
        }
        for (int i = 0; i < calls.size(); i++) {
            Batcher.Call call = calls.get(i);
            if (items.get(i) instanceof List<?> item && !item.isEmpty() && item.get(0) instanceof Long ok) {
                if (ok == 1L) {
                    call.result().complete(item.size() > 1 ? item.get(1) : null);
                } else {
                    call.result()
                            .completeExceptionally(new UpstashException(
                                    UpstashException.Kind.COMMAND,
                                    item.size() > 1 ? String.valueOf(item.get(1)) : "ERR",
                                    null));
                }
            } else {
                call.result()
                        .completeExceptionally(new UpstashException(
                                UpstashException.Kind.TRANSPORT,
                                server + " answered a fused call's item that is not {1, reply} or {0, error}",
                                null));
            }
        }
    }
}
