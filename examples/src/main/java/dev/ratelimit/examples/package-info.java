/** Threadr, the demo service: every module of the library wired into one small web application. */
package dev.ratelimit.examples;
