/*
 * Test infrastructure for ratelimit and its users: the backend and email store contract suites,
 * real redis-server processes (single node, Cluster, TLS) and an Upstash-compatible REST server.
 * Open, so that JUnit can reach the contract suites' lifecycle methods.
 */
open module dev.ratelimit.testkit {
    requires static transitive org.jspecify;
    requires transitive dev.ratelimit;
    requires transitive org.junit.jupiter.api;
    requires transitive org.junit.jupiter.params;
    requires transitive org.assertj.core;
    requires lettuce.core;
    requires com.fasterxml.jackson.core;
    requires jdk.httpserver;
    requires static testcontainers;

    exports dev.ratelimit.testkit;
}
