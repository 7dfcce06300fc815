package dev.ratelimit.examples;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.EagerContentHandler;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.server.handler.SizeLimitHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Jetty 12 set up for the open internet, where some clients are hostile.
 *
 * <ul>
 *   <li>A request body is gathered without a thread ({@link EagerContentHandler}): the servlets run
 *       once the whole body is in, so clients that send their bodies slowly hold a connection and
 *       a buffer, never a thread that {@code /health} and everyone else need.
 *   <li>A body must arrive in full within {@link #BODY_TIMEOUT} of the request's headers, however
 *       steadily it trickles (the idle timeout alone restarts at every byte); then the request
 *       fails with 408 and its connection closes. Jetty's own {@code MinimumDataRateHandler} is
 *       not used: in 12.1 it divides the bytes read by every request it has seen by one request's
 *       age, so one fast upload lets every slow one through.
 *   <li>Connections idle for {@link #IDLE_TIMEOUT} are closed, and at most
 *       {@link #MAX_CONNECTIONS} are open at once (beyond that, Jetty stops accepting until one
 *       closes).
 *   <li>Request bodies above {@link DemoEndpoints#MAX_BODY} bytes are refused with 413, headers
 *       above 8 KiB with 431.
 *   <li>{@code TRACE} is refused with 405; every response carries {@code X-Content-Type-Options:
 *       nosniff}, {@code Referrer-Policy: no-referrer} and a {@code Content-Security-Policy} that
 *       lets the page load only its own script, style and icon and talk only to its own origin.
 *   <li>Error responses Jetty writes itself are {@code application/problem+json} with the status
 *       and its reason phrase only: no request URI, message or exception text is echoed.
 * </ul>
 */
final class PublicJetty {

    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(20);
    static final Duration BODY_TIMEOUT = Duration.ofSeconds(10);
    static final int MAX_CONNECTIONS = 512;
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    private PublicJetty() {}

    /**
     * A server listening on {@code host} (null: every interface) and {@code port} (0: any free
     * port), handing requests that pass the checks above to {@code application}.
     */
    static Server server(String host, int port, Handler application) {
        Server server = new Server();
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setRequestHeaderSize(8 * 1024);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost(host);
        connector.setPort(port);
        connector.setIdleTimeout(IDLE_TIMEOUT.toMillis());
        server.addConnector(connector);
        server.addBean(new NetworkConnectionLimit(MAX_CONNECTIONS, server));
        server.setErrorHandler(new ProblemErrorHandler());

        // Room for the framing that Jetty counts with every retained chunk of a body; the size
        // limit itself is SizeLimitHandler's.
        long retained = DemoEndpoints.MAX_BODY + DemoEndpoints.MAX_BODY / 4;
        EagerContentHandler eager = new EagerContentHandler(
                application, new EagerContentHandler.RetainedContentLoaderFactory(retained, -1, true));
        SizeLimitHandler sizeLimit = new SizeLimitHandler(DemoEndpoints.MAX_BODY, -1);
        sizeLimit.setHandler(eager);
        server.setHandler(new Guard(new BodyDeadline(sizeLimit, BODY_TIMEOUT)));
        return server;
    }

    /** Refuses TRACE and puts the security headers on every response. */
    static final class Guard extends Handler.Wrapper {
        Guard(Handler next) {
            super(next);
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            HttpFields.Mutable headers = response.getHeaders();
            headers.put("X-Content-Type-Options", "nosniff");
            headers.put("Referrer-Policy", "no-referrer");
            headers.put("Content-Security-Policy", CONTENT_SECURITY_POLICY);
            if (request.getMethod().equals("TRACE")) {
                headers.put(HttpHeader.ALLOW, "GET, HEAD, POST");
                problem(response, callback, HttpStatus.METHOD_NOT_ALLOWED_405);
                return true;
            }
            return super.handle(request, response, callback);
        }
    }

    /** Fails a request whose body has not arrived in full within {@code limit} of its headers. */
    static final class BodyDeadline extends Handler.Wrapper {
        private final Duration limit;

        BodyDeadline(Handler next, Duration limit) {
            super(next);
            this.limit = limit;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            HttpFields headers = request.getHeaders();
            if (headers.getLongField(HttpHeader.CONTENT_LENGTH) <= 0
                    && !headers.contains(HttpHeader.TRANSFER_ENCODING)) {
                return super.handle(request, response, callback);
            }
            Scheduler.Task deadline = request.getComponents()
                    .getScheduler()
                    .schedule(
                            () -> request.fail(new HttpException.RuntimeException(
                                    HttpStatus.REQUEST_TIMEOUT_408,
                                    new TimeoutException("the request body did not arrive within " + limit))),
                            limit);
            Request timed = new Request.Wrapper(request) {
                @Override
                public Content.Chunk read() {
                    Content.Chunk chunk = super.read();
                    if (chunk != null && chunk.isLast()) {
                        deadline.cancel();
                    }
                    return chunk;
                }
            };
            boolean handled = super.handle(timed, response, Callback.from(callback, deadline::cancel));
            if (!handled) {
                deadline.cancel();
            }
            return handled;
        }
    }

    /** Error bodies as {@code application/problem+json}, naming the status only. */
    static final class ProblemErrorHandler extends ErrorHandler {
        @Override
        protected void generateResponse(
                Request request, Response response, int code, String message, Throwable cause, Callback callback) {
            problem(response, callback, code);
        }
    }

    private static void problem(Response response, Callback callback, int status) {
        response.setStatus(status);
        response.getHeaders().put("X-Content-Type-Options", "nosniff");
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, Json.PROBLEM);
        response.write(true, ByteBuffer.wrap(Json.problemBytes(status, HttpStatus.getMessage(status), null)), callback);
    }
}
