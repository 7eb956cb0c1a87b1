#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz) with clang, ASan and UBSan
# into build-fuzz/, then runs each for FUZZ_SECONDS (default 30) on a copy
# of its corpus (tests/fuzz/corpus/<harness>/), so that a run never writes
# into the repository. Fails on any crash, leak, timeout or broken property
# and leaves the failing input in the work directory it names.
#   scripts/fuzz.sh                       every harness, 30 s each
#   FUZZ_SECONDS=600 scripts/fuzz.sh fuzz_config   one harness, longer
#   FUZZ_KEEP=1 ...                       keep the grown corpus (temp dir)
# See docs/testing.md for growing the corpus and reproducing a crash.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bash scripts/bootstrap.sh

build=build-fuzz
seconds=${FUZZ_SECONDS:-30}
harnesses=(fuzz_config fuzz_json_args fuzz_admin_protocol fuzz_ready_file
           fuzz_worker_replies fuzz_frame_decoder)
if [ $# -gt 0 ]; then harnesses=("$@"); fi

generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" "${generator[@]}" \
    -DCMAKE_CXX_COMPILER=clang++-14 \
    -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
    -DSNAKEPIT_FUZZ=ON -DSNAKEPIT_BUILD_TESTS=OFF \
    -DSNAKEPIT_BUILD_EXAMPLES=OFF -DSNAKEPIT_BUILD_BENCH=OFF
fi
targets=()
for h in "${harnesses[@]}"; do targets+=(--target "$h"); done
cmake --build "$build" --parallel "$(nproc)" "${targets[@]}"

work=$(mktemp -d /tmp/snakepit-fuzz.XXXXXX)
if command -v llvm-symbolizer-14 >/dev/null; then
  export ASAN_SYMBOLIZER_PATH=$(command -v llvm-symbolizer-14)
fi
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"

failed=()
for h in "${harnesses[@]}"; do
  cp -r "tests/fuzz/corpus/$h" "$work/$h"
  mkdir -p "$work/$h-crashes"
  dict=()
  case $h in
    fuzz_config) dict=(-dict=tests/fuzz/config.dict) ;;
    fuzz_json_args | fuzz_admin_protocol | fuzz_ready_file)
      dict=(-dict=tests/fuzz/json.dict) ;;
  esac
  # -timeout: one input running over 10 s is a finding (a stall);
  # -max_len stays at libFuzzer's default of 4096 bytes.
  if "$build/fuzz/$h" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 "${dict[@]}" \
      -artifact_prefix="$work/$h-crashes/" "$work/$h" \
      >"$work/$h.log" 2>&1; then
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$h.log")
    cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$work/$h.log" | tail -1)
    corpus=$(find "$work/$h" -type f | wc -l)
    echo "fuzz: $h ok: $execs runs in ${seconds} s, $cov, corpus $corpus"
  else
    failed+=("$h")
    tail -n 60 "$work/$h.log"
    echo "fuzz: $h FAILED; input in $work/$h-crashes/, log $work/$h.log"
    echo "  reproduce: $build/fuzz/$h $work/$h-crashes/<file>"
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failed: ${failed[*]}" >&2
  exit 1
fi
if [ -n "${FUZZ_KEEP:-}" ]; then echo "fuzz: grown corpus kept in $work"
else rm -rf "$work"; fi
