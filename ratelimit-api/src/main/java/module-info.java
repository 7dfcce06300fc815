/**
 * The rate limiter and email store API, the exact algorithms, the in-memory backend and store,
 * and the SPI through which the Redis and Upstash backends run the shared Lua scripts.
 */
module dev.ratelimit {
    requires static transitive org.jspecify;
    requires org.slf4j;
    requires com.sanctionco.jmail;
    requires com.ibm.icu;

    exports dev.ratelimit;
    exports dev.ratelimit.email;
    exports dev.ratelimit.spi;

    uses dev.ratelimit.spi.BackendProvider;
}
