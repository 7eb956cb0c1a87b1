#!/usr/bin/env bash
# Builds everything and, when missing, a free-threaded CPython
# (scripts/free-threaded-python.sh), then runs every test: C++ unit and
# integration tests (real Python workers), Python tests (pytest), examples
# and the benchmark's quick mode as smoke tests; then the install, the .deb
# and an out-of-tree project using them (scripts/consumer-test.sh); then the
# unit tests and a subset of the integration tests under ASan+UBSan
# (scripts/sanitize.sh), then each fuzz harness for FUZZ_SECONDS
# (scripts/fuzz.sh). Arguments go to the first ctest run. Prints each step's
# wall time.
set -euo pipefail
cd "$(dirname "$0")/.."

step() {
  local name=$1 start
  shift
  start=$(date +%s)
  "$@"
  echo "test: $name took $(( $(date +%s) - start )) s"
}

# The free-threaded interpreter (built once, reused) for the tests that
# need one; its path goes to ctest as SNAKEPIT_FREE_THREADED_PYTHON.
free_threaded_python() {
  local path
  path=$(bash scripts/free-threaded-python.sh | tail -n 1)
  if [ ! -x "$path" ]; then
    echo "test: scripts/free-threaded-python.sh gave no interpreter" >&2
    return 1
  fi
  export SNAKEPIT_FREE_THREADED_PYTHON=$path
  echo "test: free-threaded Python is $path"
}

step "build" bash scripts/build.sh
step "free-threaded Python" free_threaded_python
step "ctest" ctest --test-dir build --output-on-failure --parallel 2 "$@"
step "install, .deb and consumer" bash scripts/consumer-test.sh build
step "sanitizers (build and run)" bash scripts/sanitize.sh
step "fuzzers (build and run)" bash scripts/fuzz.sh
