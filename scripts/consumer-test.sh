#!/usr/bin/env bash
# Snakepit as its users get it, tested from outside the source tree:
#  1. `cmake --install build` into a temporary prefix; checks what landed
#     there (nothing of the tests, examples or benchmarks) and that the
#     Python package imports from it;
#  2. builds tests/consumer (copied out of the tree) with find_package
#     against that prefix, checks that no compile command names the source
#     tree and that the program loads the installed library, and runs it;
#  3. `cpack -G DEB`, checks the package's Depends against the libraries
#     libsnakepit.so and the CLI load, unpacks it with `dpkg-deb -x` into
#     another temporary root, and runs the consumer and the `snakepit` CLI
#     from there (relocated: the Python package is found relative to the
#     library, with SNAKEPIT_PYTHON_PATH unset).
# Needs a built build/ (scripts/build.sh). Leaves nothing behind.
#   scripts/consumer-test.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=$(realpath "${1:-build}")
python=/usr/bin/python3
unset SNAKEPIT_PYTHON_PATH

tmp=$(mktemp -d /tmp/snakepit-consumer.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
trap 'echo "consumer-test: FAILED: line $LINENO exited with $?" >&2' ERR
fail() {
  echo "consumer-test: FAILED: $*" >&2
  exit 1
}
say() { echo "consumer-test: $*"; }

generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

# Every process started with $tmp in its environment (the workers: their
# PYTHONPATH names the package and adapter under $tmp) must be gone
# shortly after its host; any left is killed and fails the test.
check_no_leftovers() {
  local left=() pid
  for _ in $(seq 50); do
    left=()
    for env in /proc/[0-9]*/environ; do
      pid=${env#/proc/}
      pid=${pid%/environ}
      [ "$pid" = "$$" ] && continue
      if grep -qsF "$tmp" "$env" 2>/dev/null; then left+=("$pid"); fi
    done
    [ ${#left[@]} -eq 0 ] && return 0
    sleep 0.2
  done
  ps -o pid,args -p "${left[@]}" || true
  kill -KILL "${left[@]}" 2>/dev/null || true
  fail "processes left behind: ${left[*]}"
}

# build_and_run_consumer PREFIX NAME: configures and builds the consumer
# against PREFIX alone, then runs it.
build_and_run_consumer() {
  local prefix=$1 out=$tmp/$2
  cmake -S "$tmp/consumer-src" -B "$out" "${generator[@]}" "${launcher[@]}" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >"$out.configure.log" 2>&1 \
    || { cat "$out.configure.log"; fail "configuring the consumer ($2)"; }
  local found
  found=$(sed -n 's/^snakepit_DIR:PATH=//p' "$out/CMakeCache.txt")
  [[ $found == "$prefix"/* ]] \
    || fail "find_package found $found, not the package under $prefix"
  cmake --build "$out" >"$out.build.log" 2>&1 \
    || { cat "$out.build.log"; fail "building the consumer ($2)"; }
  if grep -qF "$root" "$out/compile_commands.json"; then
    grep -F "$root" "$out/compile_commands.json" >&2
    fail "a compile command of the consumer names the source tree"
  fi
  local lib
  lib=$(ldd "$out/snakepit_consumer" | awk '/libsnakepit/ {print $3}')
  [[ $lib == "$prefix"/* ]] \
    || fail "the consumer loads libsnakepit from '$lib', not from $prefix"
  say "$2: built with find_package(snakepit) from $found; runs $lib"
  "$out/snakepit_consumer" || fail "the consumer ($2) exited with $?"
  check_no_leftovers
}

cp -r tests/consumer "$tmp/consumer-src"

# Every module of the package in $1 has a byte-code cache that checks its
# source by hash (valid after a move; workers never write caches); $2 says
# whose package it is.
check_compiled() {
  "$python" - "$1" <<'PY' || fail "$2 snakepit_bridge is not byte-compiled"
import importlib.util, pathlib, sys
root = pathlib.Path(sys.argv[1]) / "snakepit_bridge"
checked_hash = 3  # the pyc flags word: hash-based, checked against the source
missing = [str(source.relative_to(root)) for source in root.rglob("*.py")
           if not (cache := pathlib.Path(importlib.util.cache_from_source(
               str(source)))).is_file()
           or int.from_bytes(cache.read_bytes()[4:8], "little") != checked_hash]
if missing:
    sys.exit(f"{len(missing)} module(s) without a checked-hash cache: "
             + ", ".join(sorted(missing)[:5]))
PY
}

# 1. The install.
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" \
  || { cat "$tmp/install.log"; fail "cmake --install"; }
unexpected=$(cd "$prefix" && find . -type f -o -type l | sed 's|^\./||' \
  | grep -Ev '^(bin/snakepit|lib(/[^/]+)?/libsnakepit\.so[.0-9]*|lib(/[^/]+)?/cmake/snakepit/[^/]+\.cmake|include/.+\.hpp|share/snakepit/(python/snakepit_bridge/(.+\.py|(.+/)?__pycache__/[^/]+\.cpython-[0-9]+\.pyc)|proto/(bridge|native)\.proto))$' \
  || true)
[ -z "$unexpected" ] || fail "cmake --install installed unexpected files:
$unexpected"
package=$(find "$prefix" -type d -path '*/share/snakepit/python')
[ -n "$package" ] || fail "no share/snakepit/python under the prefix"
[ ! -e "$package/snakepit_test_adapters" ] \
  || fail "the test adapters were installed"
PYTHONPATH=$package "$python" -c \
  'import snakepit_bridge, snakepit_bridge._proto.bridge_pb2_grpc, snakepit_bridge._proto.native_pb2, snakepit_bridge.native_server' \
  || fail "the installed snakepit_bridge does not import"
check_compiled "$package" installed
say "installed to a temporary prefix: $(cd "$prefix" && find . -type f | wc -l) files"
build_and_run_consumer "$prefix" installed

# 2. The .deb.
(cd "$build" && cpack -G DEB -B "$tmp/deb" >"$tmp/cpack.log" 2>&1) \
  || { cat "$tmp/cpack.log"; fail "cpack -G DEB"; }
deb=$(find "$tmp/deb" -maxdepth 1 -name 'snakepit_*.deb')
[ -n "$deb" ] || fail "cpack wrote no snakepit_*.deb"
depends=$(dpkg-deb -f "$deb" Depends)
unpacked=$tmp/root
dpkg-deb -x "$deb" "$unpacked"
# Each library that libsnakepit.so or the CLI needs comes from the package
# itself or from a Debian package named in Depends.
for binary in "$unpacked"/usr/lib/*/libsnakepit.so.* \
    "$unpacked"/usr/lib/libsnakepit.so.* "$unpacked/usr/bin/snakepit"; do
  [ -f "$binary" ] && [ ! -L "$binary" ] || continue
  for needed in $(objdump -p "$binary" | awk '/NEEDED/ {print $2}'); do
    [[ $needed == libsnakepit.so* ]] && continue
    # "name => path (address)", or "path (address)" for the loader.
    # (awk reads all of it: an early exit would fail the pipe.)
    path=$(ldd "$binary" | awk -v n="$needed" '
      found { next }
      $1 == n { print $3; found = 1; next }
      { k = split($1, part, "/"); if (k > 1 && part[k] == n) { print $1; found = 1 } }')
    [ -n "$path" ] || fail "$(basename "$binary") needs $needed: not found"
    owner=$(dpkg -S "$path" 2>/dev/null \
              || dpkg -S "$(realpath "$path")" 2>/dev/null \
              || dpkg -S "${path#/usr}" 2>/dev/null || true)
    owner=${owner%%:*}
    [ -n "$owner" ] || fail "no Debian package owns $path"
    [[ ", $depends," == *", $owner,"* || ", $depends," == *", $owner ("* ]] \
      || fail "$(basename "$binary") needs $needed of $owner, not in Depends: $depends"
  done
done
check_compiled "$(find "$unpacked" -type d -path '*/share/snakepit/python')" \
  "the .deb's"
say "$(basename "$deb"): Depends covers what the library and the CLI load"
build_and_run_consumer "$unpacked/usr" deb
# The relocated CLI: its library through its RPATH, the package relative
# to that library.
out=$("$unpacked/usr/bin/snakepit" exec add '{"a": 2, "b": 40}') \
  || fail "the unpacked snakepit CLI failed"
[ "$out" = "42" ] || fail "the unpacked snakepit CLI printed '$out', not 42"
check_no_leftovers
say "the unpacked snakepit CLI ran a request"
say "passed"
