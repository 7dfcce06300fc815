package dev.ratelimit.servlet;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import java.nio.file.Files;
import java.util.EnumSet;
import java.util.Map;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;

/** Embedded Tomcat 11 (Servlet 6.1). */
final class TomcatContainer implements Container {

    private Tomcat tomcat;

    private Context context() throws Exception {
        tomcat = new Tomcat();
        tomcat.setBaseDir(Files.createTempDirectory("tomcat").toString());
        tomcat.setPort(0);
        tomcat.getConnector();
        Context context = tomcat.addContext(
                "/app", Files.createTempDirectory("tomcat-docs").toString());
        Tomcat.addServlet(context, "ok", new Container.Ok());
        context.addServletMapping("/*", "ok");
        return context;
    }

    @Override
    public Container start(Filter filter) throws Exception {
        Context context = context();
        context.addServletContainerInitializer(
                (classes, servletContext) -> servletContext
                        .addFilter("ratelimit", filter)
                        .addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/*"),
                null);
        tomcat.start();
        return this;
    }

    @Override
    public Container startWithInitParams(Map<String, String> initParams) throws Exception {
        Context context = context();
        FilterDef def = new FilterDef();
        def.setFilterName("ratelimit");
        def.setFilterClass(RateLimitFilter.class.getName());
        initParams.forEach(def::addInitParameter);
        context.addFilterDef(def);
        FilterMap map = new FilterMap();
        map.setFilterName("ratelimit");
        map.addURLPattern("/*");
        context.addFilterMap(map);
        tomcat.start();
        return this;
    }

    @Override
    public int port() {
        return tomcat.getConnector().getLocalPort();
    }

    @Override
    public void close() {
        try {
            tomcat.stop();
            tomcat.destroy();
        } catch (LifecycleException e) {
            throw new IllegalStateException("Tomcat did not stop", e);
        }
    }
}
