/**
 * The contract suites every rate-limit backend and email store must pass, the reference model of
 * the algorithms, and drills for concurrency and faults. Open, so that JUnit can reach the
 * suites' lifecycle methods. JUnit and AssertJ are the user's: the testkit compiles against them
 * and brings neither.
 */
@SuppressWarnings("NotJavadoc") // Error Prone takes the Javadoc of an open module for a stray comment
open module dev.ratelimit.testkit {
    requires static transitive org.jspecify;
    requires transitive dev.ratelimit;
    requires transitive org.junit.jupiter.api;
    requires transitive org.junit.jupiter.params;
    requires transitive org.assertj.core;

    exports dev.ratelimit.testkit;
}
