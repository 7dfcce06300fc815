package dev.ratelimit.servlet;

class JettyFilterTest extends FilterInContainerTest {

    @Override
    Container container() {
        return new JettyContainer();
    }
}
