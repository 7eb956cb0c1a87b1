#!/usr/bin/env bash
# Builds everything, then runs every test: C++ unit and integration tests
# (real Python workers), Python tests (pytest), examples and the benchmark's
# quick mode as smoke tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
ctest --test-dir build --output-on-failure --parallel 2 "$@"
