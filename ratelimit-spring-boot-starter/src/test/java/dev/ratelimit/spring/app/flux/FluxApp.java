package dev.ratelimit.spring.app.flux;

import dev.ratelimit.spring.RateLimited;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/** A WebFlux application on Netty for the tests, with the same endpoints as {@code MvcApp}. */
@SpringBootApplication
public class FluxApp {

    /** Netty, although Tomcat is on the test class path too. */
    @Bean
    NettyReactiveWebServerFactory netty() {
        return new NettyReactiveWebServerFactory();
    }

    /** The endpoints. */
    @RestController
    public static class Endpoints {

        @PostMapping("/api/generate")
        public Mono<String> generate() {
            return Mono.just("generated");
        }

        @GetMapping("/api/open")
        public Mono<String> open() {
            return Mono.just("open");
        }

        @RateLimited(policy = "annotated")
        @PostMapping("/api/annotated")
        public Mono<String> annotated() {
            return Mono.just("annotated");
        }

        @RateLimited(policy = "annotated", key = "#headers['X-Api-Key']")
        @GetMapping("/api/keyed")
        public Mono<String> keyed() {
            return Mono.just("keyed");
        }

        @RateLimited(policy = "annotated", key = "'thread:' + #id")
        @GetMapping("/api/threads/{id}")
        public Mono<String> thread(@PathVariable("id") String id) {
            return Mono.just("thread " + id);
        }
    }
}
