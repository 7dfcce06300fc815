/** The Upstash REST backend and email store on java.net.http. */
module dev.ratelimit.upstash {
    requires static transitive org.jspecify;
    requires transitive dev.ratelimit;
    requires java.net.http;
    requires com.fasterxml.jackson.core;
    requires org.slf4j;

    exports dev.ratelimit.upstash;

    provides dev.ratelimit.spi.BackendProvider with
            dev.ratelimit.upstash.internal.UpstashBackendProvider;
}
