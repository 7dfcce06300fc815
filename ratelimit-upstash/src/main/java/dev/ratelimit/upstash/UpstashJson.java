package dev.ratelimit.upstash;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The JSON of Upstash's REST protocol, on jackson-core's streaming API: a command is an array of
 * strings, a pipeline an array of commands; an answer is one {@code {"result": …}} or
 * {@code {"error": "…"}} object, or an array of them. Strings in answers are base64-decoded
 * (requested with {@code Upstash-Encoding: base64}) except the plain status {@code OK}.
 */
final class UpstashJson {

    private static final JsonFactory JSON = new JsonFactory();

    /** One {@code {"result": …}} or {@code {"error": "…"}} object. */
    record Item(@Nullable Object result, @Nullable String error) {}

    private UpstashJson() {}

    /** The request body: one command alone, or several as a pipeline. */
    static byte[] body(List<List<String>> commands) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128 * commands.size());
        try (JsonGenerator json = JSON.createGenerator(out)) {
            if (commands.size() == 1) {
                write(json, commands.get(0));
            } else {
                json.writeStartArray();
                for (List<String> command : commands) {
                    write(json, command);
                }
                json.writeEndArray();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void write(JsonGenerator json, List<String> command) throws IOException {
        json.writeStartArray();
        for (String arg : command) {
            json.writeString(arg);
        }
        json.writeEndArray();
    }

    /**
     * An answer: an {@link Item}, or a list of them for a pipeline.
     *
     * @throws IOException if the body is not exactly one JSON value
     */
    static @Nullable Object parse(byte[] body) throws IOException {
        try (JsonParser parser = JSON.createParser(body)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw new IOException("empty body");
            }
            Object parsed = value(parser, first);
            if (parser.nextToken() != null) {
                throw new IOException("text after the JSON value");
            }
            return parsed;
        }
    }

    private static @Nullable Object value(JsonParser parser, JsonToken token) throws IOException {
        return switch (token) {
            case VALUE_NULL -> null;
            case VALUE_NUMBER_INT -> parser.getLongValue();
            case VALUE_NUMBER_FLOAT -> parser.getDoubleValue();
            case VALUE_TRUE -> true;
            case VALUE_FALSE -> false;
            case VALUE_STRING -> decode(parser.getText());
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
                    if (t == null) {
                        throw new IOException("unterminated array");
                    }
                    list.add(value(parser, t));
                }
                yield list;
            }
            case START_OBJECT -> {
                @Nullable Object result = null;
                @Nullable String error = null;
                for (JsonToken t = parser.nextToken(); t != JsonToken.END_OBJECT; t = parser.nextToken()) {
                    if (t != JsonToken.FIELD_NAME) {
                        throw new IOException("unexpected " + t + " in an object");
                    }
                    String field = parser.currentName();
                    JsonToken v = parser.nextToken();
                    if ("result".equals(field)) {
                        result = value(parser, v);
                    } else if ("error".equals(field)) {
                        error = v == JsonToken.VALUE_STRING ? parser.getText() : String.valueOf(value(parser, v));
                    } else {
                        parser.skipChildren();
                    }
                }
                yield new Item(result, error);
            }
            default -> throw new IOException("unexpected JSON token " + token);
        };
    }

    /** Decodes a base64 string; {@code OK} is the plain status and stays as it is. */
    private static String decode(String text) {
        if (text.equals("OK")) {
            return text;
        }
        try {
            return new String(Base64.getDecoder().decode(text), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException notBase64) {
            return text;
        }
    }
}
