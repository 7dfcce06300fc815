package dev.ratelimit.examples;

import dev.ratelimit.servlet.RateLimitFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A process for {@link FilterFromEnvironmentTest}: Jetty on {@code PORT} with the filter configured
 * only by init-params, as in a {@code web.xml} ({@code name=value} arguments), in front of a servlet
 * that answers 200.
 */
public final class WebXmlFilterServer {

    private WebXmlFilterServer() {}

    public static void main(String[] args) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(Integer.parseInt(System.getenv("PORT")));
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        FilterHolder filter = new FilterHolder(RateLimitFilter.class);
        for (String arg : args) {
            int eq = arg.indexOf('=');
            filter.setInitParameter(arg.substring(0, eq), arg.substring(eq + 1));
        }
        context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(
                new ServletHolder(new HttpServlet() {
                    @Override
                    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
                        response.getWriter().write("ok");
                    }
                }),
                "/*");
        server.setHandler(context);
        server.start();
        System.out.println("web.xml filter server listening");
        server.join();
    }
}
