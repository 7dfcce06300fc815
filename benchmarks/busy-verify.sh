#!/usr/bin/env bash
# Runs the README's test command (mvn -B verify) N times (default 3) while two `yes > /dev/null`
# processes keep both cores busy, and prints each run's result: the suite must pass on a busy
# machine, not only on a quiet one.
set -uo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
yes > /dev/null & hog1=$!
yes > /dev/null & hog2=$!
trap 'kill "$hog1" "$hog2" 2>/dev/null' EXIT
passed=0
for i in $(seq 1 "$runs"); do
  start=$(date +%s)
  if mvn -B verify > "target-busy-verify-$i.log" 2>&1; then
    result=PASSED
    passed=$((passed + 1))
  else
    result=FAILED
  fi
  tests=$(grep -E "Tests run: [0-9]+, Failures" "target-busy-verify-$i.log" | grep -v " in " \
    | awk -F'[ ,]+' '{t += $4; f += $6; e += $8} END {print t " tests, " f " failures, " e " errors"}')
  echo "run $i of $runs with both cores busy: $result in $(( $(date +%s) - start )) s ($tests; log target-busy-verify-$i.log)"
done
echo "$passed of $runs runs passed"
[ "$passed" -eq "$runs" ]
