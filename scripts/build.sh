#!/usr/bin/env bash
# Installs what is missing (Debian packages), configures and builds into
# build/: the targets given as arguments, or everything. Used by both of the
# README's commands.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/bootstrap.sh

generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi
if [ ! -f build/CMakeCache.txt ]; then
  cmake -S . -B build "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build build --parallel "$(nproc)" "${targets[@]}"
