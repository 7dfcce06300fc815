/**
 * The Spring Boot starter of {@code dev.ratelimit}: auto-configuration, YAML rules for the servlet
 * filter and a WebFlux filter, {@code @RateLimited}, Actuator health and Micrometer metrics. Every
 * web stack, Actuator and Micrometer is optional: what is on the class path is configured.
 *
 * <p>Spring's jars are automatic modules, and Spring types are in this module's API (properties,
 * the WebFlux filter): hence the transitive requirements javac warns about.
 */
@SuppressWarnings("requires-transitive-automatic")
module dev.ratelimit.spring {
    requires static transitive org.jspecify;
    requires transitive dev.ratelimit;
    requires transitive dev.ratelimit.http;
    requires transitive spring.boot;
    requires transitive spring.boot.autoconfigure;
    requires transitive spring.context;
    requires transitive spring.beans;
    requires transitive spring.core;
    requires spring.expression;
    requires static transitive spring.web;
    requires static transitive spring.webflux;
    requires static transitive reactor.core;
    requires static spring.webmvc;
    requires static spring.boot.servlet;
    requires static spring.boot.health;
    requires static dev.ratelimit.servlet;
    requires static jakarta.servlet;
    requires static dev.ratelimit.micrometer;
    requires static micrometer.core;

    exports dev.ratelimit.spring;

    // Spring reads the configuration classes and binds the properties reflectively.
    opens dev.ratelimit.spring to
            spring.core,
            spring.beans,
            spring.context,
            spring.boot;
}
