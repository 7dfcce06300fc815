/**
 * What every HTTP filter of ratelimit shares, whatever the web stack: rules that match requests to
 * limiters, the client's address behind trusted proxies, the quota headers and the 429 problem.
 */
module dev.ratelimit.http {
    requires transitive dev.ratelimit;
    requires org.slf4j;
    requires static org.jspecify;

    exports dev.ratelimit.http;
}
