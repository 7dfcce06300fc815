/** The Redis backend and email store on Lettuce. */
module dev.ratelimit.redis {
    requires static transitive org.jspecify;
    requires transitive dev.ratelimit;
    requires lettuce.core;
    // Lettuce is an automatic module and declares nothing; these are modules it loads at run time
    // that nothing else would resolve on a user's module path (ModulePathApplicationTest).
    requires io.netty.resolver.dns;
    requires jdk.net;
    requires io.netty.common;
    // Netty comes with Lettuce, whose NettyCustomizer hands us each connection's channel.
    requires io.netty.transport;
    requires io.netty.handler;
    requires reactor.core;
    requires org.slf4j;

    exports dev.ratelimit.redis;

    provides dev.ratelimit.spi.BackendProvider with
            dev.ratelimit.redis.internal.RedisBackendProvider;
}
