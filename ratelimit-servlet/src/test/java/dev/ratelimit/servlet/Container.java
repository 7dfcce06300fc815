package dev.ratelimit.servlet;

import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;

/** A real servlet container serving {@code /app/*} with a trivial servlet behind a filter. */
interface Container extends AutoCloseable {

    /** Starts with the filter instance registered through {@code ServletContext.addFilter}. */
    Container start(Filter filter) throws Exception;

    /** Starts with {@link RateLimitFilter} declared by class name and init-params, as web.xml does. */
    Container startWithInitParams(Map<String, String> initParams) throws Exception;

    /** The port it listens on. */
    int port();

    /** Stops the container; a failure to stop is an {@link IllegalStateException}. */
    @Override
    void close();

    /** Answers every request with 200 and "ok <path>", then " key=<key>" when the filter left one. */
    final class Ok extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.setContentType("text/plain");
            Object key = request.getAttribute(RateLimitFilter.KEY_ATTRIBUTE);
            response.getWriter().write("ok " + request.getPathInfo() + (key == null ? "" : " key=" + key));
        }
    }
}
