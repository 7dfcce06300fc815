/**
 * Micrometer metrics of rate-limit decisions (by policy, outcome and source, with their latency),
 * circuit breakers, the local block cache and email capture. No Spring needed.
 *
 * <p>Micrometer's {@code MeterRegistry} is in this module's API, and Micrometer is an automatic
 * module: hence the transitive requirement javac warns about.
 */
@SuppressWarnings("requires-transitive-automatic")
module dev.ratelimit.micrometer {
    requires static transitive org.jspecify;
    requires transitive dev.ratelimit;
    requires transitive micrometer.core;
    requires org.slf4j;

    exports dev.ratelimit.micrometer;
}
