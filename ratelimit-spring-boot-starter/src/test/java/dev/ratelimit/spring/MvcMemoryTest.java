package dev.ratelimit.spring;

import dev.ratelimit.spring.app.mvc.MvcApp;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;

/** The starter on Spring MVC and Tomcat, in memory. */
@SpringBootTest(classes = MvcApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import(WebContract.Clocked.class)
class MvcMemoryTest extends WebContract {}
