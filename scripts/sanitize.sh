#!/usr/bin/env bash
# Builds the unit tests and the in-process integration tests with clang and
# AddressSanitizer + UndefinedBehaviorSanitizer into build-asan/, then runs
# every unit test and a fast subset of the integration tests (the request
# path, crash handling and shutdown). Python workers are separate,
# uninstrumented processes. Any sanitizer report fails the run.
#   scripts/sanitize.sh            build and run
#   SANITIZE_BUILD_ONLY=1 ...      build only
# Extra arguments go to ctest (e.g. -R 'crash').
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bash scripts/bootstrap.sh

build=build-asan
sanitizers="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
# Third-party UB we cannot fix, left out of UBSan's instrumentation.
ignorelist="-fsanitize-ignorelist=$root/tests/sanitize/ubsan.ignorelist"
generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi
# Configured every time, so that a change of the flags here takes effect.
cmake -S . -B "$build" "${generator[@]}" \
  -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
  -DCMAKE_CXX_FLAGS="$sanitizers $ignorelist -fno-omit-frame-pointer" \
  -DCMAKE_EXE_LINKER_FLAGS="$sanitizers" \
  -DCMAKE_SHARED_LINKER_FLAGS="$sanitizers" \
  -DSNAKEPIT_BUILD_EXAMPLES=OFF -DSNAKEPIT_BUILD_BENCH=OFF >/dev/null

unit_targets=(admin_test test_actors test_bridge test_core diagnostics_test test_messages
              test_process test_supervisors test_telemetry)
targets=()
for t in "${unit_targets[@]}" test_integration; do targets+=(--target "$t"); done
cmake --build "$build" --parallel "$(nproc)" "${targets[@]}"
if [ -n "${SANITIZE_BUILD_ONLY:-}" ]; then exit 0; fi

# The integration tests run under the sanitizers: requests, Python errors,
# crashes, timeouts, startup failures, shutdown with calls in flight, the
# input limits (deep, large and malformed requests), a pool failing with
# calls in flight and the idempotent retry.
# Kept to about a minute on 2 cores; names are Catch2 test case prefixes.
integration_subset=(
  'showcase: ping echo and add'
  'python errors: traceback comes back'
  'bad requests: '
  'crash: the caller gets worker_crashed'
  'crash: the reply names the exit code'
  'request timeout: '
  'startup failure: an adapter that cannot be imported'
  'shutdown: stopping the host leaves no process'
  'shutdown: a call in flight gets its reply'
  'host survives a worker crash and a stop'
  'concurrency: '
  'deep JSON is refused'
  'JSON within the limit but beyond'
  'bad names are invalid_arguments'
  'large invalid or oversized arguments'
  'requests being checked are bounded'
  'recovery: a call in flight when its pool fails'
  'crash barrier: '
)
# Each case of test_integration runs once per transport ("native/...",
# "grpc/..."): both are instrumented. Two groups only: CMake's regular
# expressions take at most nine.
regex="^(native/|grpc/)?($(IFS='|'; echo "${integration_subset[*]}"))"

# halt_on_error: the first report fails the test. LeakSanitizer stays on;
# the suppressions name only leaks of libraries we do not build (see
# tests/sanitize/lsan.supp).
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export LSAN_OPTIONS="suppressions=$root/tests/sanitize/lsan.supp:print_suppressions=0"
if command -v llvm-symbolizer-14 >/dev/null; then
  export ASAN_SYMBOLIZER_PATH=$(command -v llvm-symbolizer-14)
fi

start=$(date +%s)
ctest --test-dir "$build" --output-on-failure --parallel 2 -L unit \
  --no-tests=error "$@"
ctest --test-dir "$build" --output-on-failure --parallel 2 -L integration \
  -R "$regex" --no-tests=error "$@"
echo "sanitize: unit and integration subset passed in $(( $(date +%s) - start )) s"
