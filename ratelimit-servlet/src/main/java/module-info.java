/** A jakarta servlet filter that rate limits requests with {@code dev.ratelimit}. */
module dev.ratelimit.servlet {
    requires static transitive org.jspecify;
    requires transitive dev.ratelimit;
    requires transitive jakarta.servlet;
    requires dev.ratelimit.http;
    requires org.slf4j;

    exports dev.ratelimit.servlet;
}
