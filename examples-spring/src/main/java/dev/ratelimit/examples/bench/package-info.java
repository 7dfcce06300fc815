/** A load harness for the starter's overhead; see docs/PERFORMANCE.md. Not part of the demo. */
package dev.ratelimit.examples.bench;
