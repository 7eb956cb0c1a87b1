#!/usr/bin/env bash
# The main job: builds everything, then starts a pool of Python workers on
# the bundled default config (examples/default.toml), runs a batch of real
# work through it, prints the results and stops cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh snakepit_cli
exec build/bin/snakepit demo --config examples/default.toml "$@"
