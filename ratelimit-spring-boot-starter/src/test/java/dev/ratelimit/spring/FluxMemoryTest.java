package dev.ratelimit.spring;

import dev.ratelimit.spring.app.flux.FluxApp;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;

/** The starter on WebFlux and Netty, in memory: the same answers as on Spring MVC. */
@SpringBootTest(
        classes = FluxApp.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.main.web-application-type=reactive")
@Import(WebContract.Clocked.class)
class FluxMemoryTest extends WebContract {}
