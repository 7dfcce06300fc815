/** JMH benchmarks and load harnesses that measure the library side by side with its peers. */
package dev.ratelimit.benchmarks;
