#!/usr/bin/env bash
# Builds everything, then runs every test: C++ unit and integration tests
# (real Python workers), Python tests (pytest), examples and the benchmark's
# quick mode as smoke tests; then the install, the .deb and an out-of-tree
# project using them (scripts/consumer-test.sh); then the unit tests and a
# subset of the integration tests under ASan+UBSan (scripts/sanitize.sh),
# then each fuzz harness for FUZZ_SECONDS (scripts/fuzz.sh). Arguments go
# to the first ctest run. Prints each step's wall time.
set -euo pipefail
cd "$(dirname "$0")/.."

step() {
  local name=$1 start
  shift
  start=$(date +%s)
  "$@"
  echo "test: $name took $(( $(date +%s) - start )) s"
}

step "build" bash scripts/build.sh
step "ctest" ctest --test-dir build --output-on-failure --parallel 2 "$@"
step "install, .deb and consumer" bash scripts/consumer-test.sh build
step "sanitizers (build and run)" bash scripts/sanitize.sh
step "fuzzers (build and run)" bash scripts/fuzz.sh
