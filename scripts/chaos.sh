#!/usr/bin/env bash
# Runs the chaos suite (tests/integration/chaos_test.cpp) for as long as
# asked and prints its figures: requests sent and answered by category,
# faults injected by kind, time from SIGSTOP to replacement, time back to
# full strength after each round, answers per second.
#
#   scripts/chaos.sh [--seconds N] [--workers N] [--callers N] [--seed S]
#
# Defaults: 180 s of faults, 3 workers, 6 callers, a random seed (printed;
# pass it back with --seed to replay the same faults). Builds test_chaos
# first; the whole output goes to build/chaos.log. Exits with the test's
# status.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=180
workers=3
callers=6
seed=""
usage() {
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
}
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="${2:?}"; shift 2 ;;
    --workers) workers="${2:?}"; shift 2 ;;
    --callers) callers="${2:?}"; shift 2 ;;
    --seed) seed="${2:?}"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "chaos.sh: unknown argument $1" >&2; usage ;;
  esac
done

bash scripts/build.sh test_chaos >/dev/null
log=build/chaos.log
status=0
SNAKEPIT_CHAOS_SECONDS="$seconds" SNAKEPIT_CHAOS_WORKERS="$workers" \
SNAKEPIT_CHAOS_CALLERS="$callers" SNAKEPIT_CHAOS_SEED="$seed" \
SNAKEPIT_BIN_DIR="$PWD/build/bin" \
  build/tests/test_chaos --warn NoTests "[chaos]" >"$log" 2>&1 || status=$?
grep '^chaos:' "$log" || true
if [ "$status" -ne 0 ]; then
  tail -n 80 "$log"
  echo "chaos.sh: FAILED (exit $status)" >&2
fi
echo "chaos.sh: the host's log and the test's output are in $log"
exit "$status"
