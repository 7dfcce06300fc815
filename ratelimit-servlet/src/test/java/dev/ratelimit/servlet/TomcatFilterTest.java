package dev.ratelimit.servlet;

class TomcatFilterTest extends FilterInContainerTest {

    @Override
    Container container() {
        return new TomcatContainer();
    }
}
