#!/usr/bin/env bash
# Reproduces every figure of docs/performance.md in one command: builds the
# three benchmarks, runs each with --json (short: their --quick runs, well
# under 2 minutes on 2 cores; full: their defaults, about 5 minutes), then
# bench/report.py merges the documents into DIR/report.json, DIR/report.md
# and SVG charts and prints the report.
#
# Usage: scripts/bench-suite.sh [--short|--full] [--out DIR] [--update-docs]
#                               [--check] [--no-build] [--bin-dir DIR]
#
#   --short         smoke run (default): each binary's --quick
#   --full          the figures the docs quote: each binary's defaults
#   --out DIR       where the documents, logs and report go
#                   (build/bench-report); emptied of earlier results first
#   --update-docs   also replace the generated block of docs/performance.md
#                   and its charts (docs/performance/); needs --full
#   --check         validate the report afterwards (bench/report.py --check)
#   --no-build      use the binaries as they are (ctest does)
#   --bin-dir DIR   where the binaries are (build/bin)
set -euo pipefail
origin=$PWD
cd "$(dirname "$0")/.."

suite_command="scripts/bench-suite.sh${*:+ $*}"
mode=short
out=
bin_dir=
update_docs=0
check=0
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --short) mode=short ;;
    --full) mode=full ;;
    --out) out=${2:?--out needs a directory}; shift ;;
    --bin-dir) bin_dir=${2:?--bin-dir needs a directory}; shift ;;
    --update-docs) update_docs=1 ;;
    --check) check=1 ;;
    --no-build) build=0 ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    *) echo "bench-suite: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
# Paths given on the command line are relative to where it was typed; the
# defaults to the repository.
absolute() { case "$1" in /*) echo "$1" ;; *) echo "$origin/$1" ;; esac; }
if [ -n "$out" ]; then out=$(absolute "$out"); else out=build/bench-report; fi
if [ -n "$bin_dir" ]; then bin_dir=$(absolute "$bin_dir"); else bin_dir=build/bin; fi
if [ "$update_docs" = 1 ] && [ "$mode" != full ]; then
  echo "bench-suite: --update-docs needs --full (the docs quote full runs)" >&2
  exit 2
fi

targets=(snakepit_bench snakepit_profiles snakepit_lifecycle_bench)
if [ "$build" = 1 ]; then
  bash scripts/build.sh "${targets[@]}"
fi

mkdir -p "$out"
rm -f "$out"/*.json "$out"/*.log "$out"/*.md "$out"/*.svg
quick=()
if [ "$mode" = short ]; then quick=(--quick); fi

status=0
step=0
# run NAME BINARY: runs it with --json DIR/NAME.json, its text into
# DIR/NAME.log; a failure is reported and remembered, the suite goes on.
run() {
  local name=$1 binary=$2 started=$SECONDS
  step=$((step + 1))
  echo "bench-suite: [$step/${#targets[@]}] $binary ${quick[*]} (log: $out/$name.log)"
  if "$bin_dir/$binary" "${quick[@]}" --json "$out/$name.json" \
       > "$out/$name.log" 2>&1; then
    echo "bench-suite: $binary done in $((SECONDS - started)) s"
  else
    echo "bench-suite: $binary FAILED (exit $?) after $((SECONDS - started)) s; its log ends:" >&2
    tail -n 30 "$out/$name.log" >&2
    status=1
  fi
}

run bench snakepit_bench
run profiles snakepit_profiles
run lifecycle snakepit_lifecycle_bench

report_args=("$out" --mode "$mode" --suite-command "$suite_command"
             --elapsed "$SECONDS")
if [ "$update_docs" = 1 ]; then
  if [ "$status" = 0 ]; then
    report_args+=(--update-docs docs/performance.md)
  else
    echo "bench-suite: a benchmark failed; docs/performance.md left as it was" >&2
  fi
fi
/usr/bin/python3 bench/report.py "${report_args[@]}" || status=1
if [ "$check" = 1 ]; then
  /usr/bin/python3 bench/report.py --check "$out" || status=1
fi
echo "bench-suite: $mode suite took $SECONDS s; report in $out/report.md"
exit "$status"
