package dev.ratelimit.examples;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Reading one string field of a small JSON request, and writing JSON answers, with jackson-core. */
final class Json {

    static final JsonFactory FACTORY = new JsonFactory();

    /** The caller made a mistake; answered with 400 and the message. */
    static final class BadRequest extends Exception {
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message);
        }
    }

    /** A writer of one JSON value. */
    interface Body {
        void write(JsonGenerator json) throws IOException;
    }

    private Json() {}

    /**
     * The string value of {@code field} in the request's JSON object body.
     *
     * @throws BadRequest if the body is larger than {@code maxBytes}, is not a JSON object, or lacks
     *     the field as a string
     */
    static String field(HttpServletRequest request, String field, int maxBytes) throws IOException, BadRequest {
        byte[] body;
        try (InputStream in = request.getInputStream()) {
            body = in.readNBytes(maxBytes + 1);
        }
        if (body.length > maxBytes) {
            throw new BadRequest("the request body is larger than " + maxBytes + " bytes");
        }
        String value = null;
        try (JsonParser parser = FACTORY.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new BadRequest("expected a JSON object such as {\"" + field + "\": \"…\"}");
            }
            for (JsonToken token = parser.nextToken(); token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
                String name = parser.currentName();
                JsonToken v = parser.nextToken();
                if (name.equals(field) && v == JsonToken.VALUE_STRING) {
                    value = parser.getText();
                } else {
                    parser.skipChildren();
                }
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new BadRequest("the request body is not valid JSON");
        }
        if (value == null) {
            throw new BadRequest("the JSON object has no string field \"" + field + "\"");
        }
        return value;
    }

    static void send(HttpServletResponse response, int status, String contentType, Body body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator json = FACTORY.createGenerator(out)) {
            body.write(json);
        }
        response.setStatus(status);
        response.setContentType(contentType);
        response.setCharacterEncoding("UTF-8");
        byte[] bytes = out.toByteArray();
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    static void send(HttpServletResponse response, int status, Body body) throws IOException {
        send(response, status, "application/json", body);
    }

    static final String PROBLEM = "application/problem+json";

    /**
     * An RFC 9457 problem: {@code {"type":"about:blank","title":…,"status":…,"detail":…}}, without
     * {@code detail} when it is null.
     */
    static void problem(HttpServletResponse response, int status, String title, String detail) throws IOException {
        byte[] bytes = problemBytes(status, title, detail);
        response.setStatus(status);
        response.setContentType(PROBLEM);
        response.setCharacterEncoding("UTF-8");
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    static byte[] problemBytes(int status, String title, String detail) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator json = FACTORY.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("type", "about:blank");
            json.writeStringField("title", title);
            json.writeNumberField("status", status);
            if (detail != null) {
                json.writeStringField("detail", detail);
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
