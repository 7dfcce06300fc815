#!/usr/bin/env bash
# Runs the whole benchmark suite in a bounded time (about 10 minutes on 2 cores) and keeps each
# part's output in benchmarks/target/results/. Every part starts its own redis-server (or uses the
# binary the testkit resolves), so nothing else needs to be running. See docs/PERFORMANCE.md.
set -euo pipefail
cd "$(dirname "$0")/.."

mvn -B -q -pl benchmarks -am package -DskipTests
jar=benchmarks/target/benchmarks.jar
out=benchmarks/target/results
mkdir -p "$out"

run() {
  local name=$1; shift
  echo "== $name: $*"
  "$@" 2>&1 | tee "$out/$name.txt"
}

run jmh-1-thread  java -jar "$jar" InMemoryBenchmark -t 1 -rf json -rff "$out/jmh-1-thread.json"
run jmh-2-threads java -jar "$jar" InMemoryBenchmark -t 2 -rf json -rff "$out/jmh-2-threads.json"
run redis         java -cp "$jar" dev.ratelimit.benchmarks.RedisLoadHarness 2 7
run redis-sync    java -cp "$jar" dev.ratelimit.benchmarks.RedisSyncCallersHarness 2 7
run jmh-client-path java -jar "$jar" ClientPathBenchmark -rf json -rff "$out/jmh-client-path.json"
if command -v redis-benchmark >/dev/null; then
  run script-cpu  java -cp "$jar" dev.ratelimit.benchmarks.ScriptCpuHarness
else
  echo "== script-cpu: skipped, no redis-benchmark on the PATH"
fi
run lease         java -Xmx1g -cp "$jar" dev.ratelimit.benchmarks.LeaseLoadHarness
run upstash       java -cp "$jar" dev.ratelimit.benchmarks.UpstashBatchingHarness 5
if command -v node >/dev/null && command -v npm >/dev/null; then
  (cd benchmarks/upstash-js && npm ci --no-audit --no-fund --silent)
  run upstash-js  java -cp "$jar" dev.ratelimit.benchmarks.UpstashSideBySideHarness 10 4
else
  echo "== upstash-js: skipped, no node and npm on the PATH"
fi
run filter        java -cp "$jar" dev.ratelimit.benchmarks.FilterOverheadHarness 3
run metrics       java -jar "$jar" MetricsOverheadBenchmark -t 1
# The Spring Boot starter's filter and metrics, in the Boot demo's own jar.
mvn -B -q -pl examples-spring -am package -DskipTests -Dinvoker.skip
run boot          java -cp examples-spring/target/threadr-spring.jar \
                    -Dloader.main=dev.ratelimit.examples.bench.BootOverheadHarness \
                    org.springframework.boot.loader.launch.PropertiesLauncher
run faults        java -cp "$jar" dev.ratelimit.benchmarks.FaultPhasesHarness

echo "== results in $out"
