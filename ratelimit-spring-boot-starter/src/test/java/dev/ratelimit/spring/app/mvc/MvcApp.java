package dev.ratelimit.spring.app.mvc;

import dev.ratelimit.spring.RateLimited;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** A Spring MVC application for the tests: path rules come from the test's properties. */
@SpringBootApplication
public class MvcApp {

    /** The endpoints. */
    @RestController
    public static class Endpoints {

        @PostMapping("/api/generate")
        public String generate() {
            return "generated";
        }

        @GetMapping("/api/open")
        public String open() {
            return "open";
        }

        @RateLimited(policy = "annotated")
        @PostMapping("/api/annotated")
        public String annotated() {
            return "annotated";
        }

        @RateLimited(policy = "annotated", key = "#headers['X-Api-Key']")
        @GetMapping("/api/keyed")
        public String keyed() {
            return "keyed";
        }

        @RateLimited(policy = "annotated", key = "'thread:' + #id")
        @GetMapping("/api/threads/{id}")
        public String thread(@PathVariable("id") String id) {
            return "thread " + id;
        }
    }
}
