/**
 * Real redis-server processes (single node, Cluster, TLS) on free ports and an Upstash-compatible
 * REST server in front of a real Redis, for tests. Open, so that JUnit can reach the extensions.
 */
@SuppressWarnings("NotJavadoc") // Error Prone takes the Javadoc of an open module for a stray comment
open module dev.ratelimit.testkit.redis {
    requires static transitive org.jspecify;
    requires transitive org.junit.jupiter.api;
    requires lettuce.core;
    requires com.fasterxml.jackson.core;
    requires jdk.httpserver;

    exports dev.ratelimit.testkit.redis;
}
