/**
 * Micrometer metrics of rate-limit decisions (by policy, outcome and source, with their latency),
 * circuit breakers, the local block cache and email capture. No Spring needed.
 */
module dev.ratelimit.micrometer {
    requires transitive dev.ratelimit;
    requires transitive micrometer.core;
    requires org.slf4j;
    requires static org.jspecify;

    exports dev.ratelimit.micrometer;
}
