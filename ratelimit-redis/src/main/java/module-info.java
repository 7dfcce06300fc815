/** The Redis backend and email store on Lettuce. */
module dev.ratelimit.redis {
    requires static transitive org.jspecify;
    requires transitive dev.ratelimit;
    requires lettuce.core;
    requires io.netty.common;
    requires reactor.core;
    requires org.slf4j;

    exports dev.ratelimit.redis;

    provides dev.ratelimit.spi.BackendProvider with
            dev.ratelimit.redis.internal.RedisBackendProvider;
}
