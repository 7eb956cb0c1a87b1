#!/usr/bin/env bash
# Builds a free-threaded CPython 3.13 (configure --disable-gil) into a prefix,
# once, and prints the interpreter's absolute path as the last line of
# stdout; progress goes to stderr. Debian 12 packages no such interpreter, so
# the upstream sources come from Debian 13's (trixie) source package of
# python3.13, fetched with apt from a deb-src-only entry this script adds (no
# binary package can come from trixie). No Debian patches or packaging: the
# upstream tarball, configure, make, make install. Debian's pure-Python
# Protobuf (python3-protobuf's `google` package) is linked into the prefix's
# site-packages, so the worker's imports resolve without the rest of
# dist-packages. When the interpreter is already there with the GIL off, it
# only prints the path. Runs as root (or through sudo for apt, as
# scripts/bootstrap.sh, which installs the build tools). Environment:
# SNAKEPIT_FREE_THREADED_PREFIX (default /opt/snakepit/python3.13t).
set -euo pipefail
scripts=$(cd "$(dirname "$0")" && pwd)

prefix=${SNAKEPIT_FREE_THREADED_PREFIX:-/opt/snakepit/python3.13t}
python=$prefix/bin/python3.13t
source_package=python3.13
source_suite=trixie
apt_entry=/etc/apt/sources.list.d/snakepit-$source_suite-src.sources
debian_google=/usr/lib/python3/dist-packages/google
marker=.snakepit-free-threaded
# None of the worker's modules (socket, select, threading, json, struct,
# hashlib's SHA-2, queue, signal) needs a library beyond libc: no -dev
# package, no ssl, no tkinter.
packages=(build-essential dpkg-dev pkg-config xz-utils python3-protobuf)

say() { echo "free-threaded-python: $*" >&2; }
fail() { say "FAILED at $1"; exit 1; }

run_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else say "need root for: $*"; return 1; fi
}

# Whether the prefix's interpreter runs with the GIL off (-I: no PYTHON*
# variable such as PYTHON_GIL may decide it).
gil_off() {
  [ -x "$python" ] && "$python" -I -B -c '
import sys, sysconfig
sys.exit(sysconfig.get_config_var("Py_GIL_DISABLED") != 1
         or sys._is_gil_enabled())' 2>/dev/null
}

# Whether google.protobuf imports, pure Python, and leaves the GIL off.
protobuf_ok() {
  env -u PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION "$python" -I -B -c '
import sys
from google.protobuf.internal import api_implementation
sys.exit(api_implementation.Type() != "python" or sys._is_gil_enabled())'
}

apt_updated=false
apt_update() {
  if ! $apt_updated; then
    say "apt-get update"
    run_root apt-get update -qq >&2 || fail "apt-get update"
    apt_updated=true
  fi
}

ensure_packages() {
  bash "$scripts/bootstrap.sh" "$@" >&2 || fail "installing $*"
}

# The site-packages entry `google` -> Debian's package (python3-protobuf).
link_protobuf() {
  local site link
  [ -d "$debian_google/protobuf" ] || ensure_packages python3-protobuf
  site=$("$python" -I -B -c \
    'import sysconfig; print(sysconfig.get_path("purelib"))') ||
    fail "finding site-packages of $python"
  link=$site/google
  [ "$(readlink "$link" 2>/dev/null)" = "$debian_google" ] && return 0
  say "linking $link -> $debian_google"
  mkdir -p "$site" && ln -sfn "$debian_google" "$link" ||
    fail "linking Debian's Protobuf into $site"
}

finish() {
  link_protobuf
  protobuf_ok ||
    fail "checking google.protobuf on $python (pure Python, GIL off)"
  echo "$python"
  exit 0
}

if gil_off; then finish; fi

# The mirror and keyring of this system's own Debian entry, for trixie's
# sources.
write_apt_entry() {
  local codename found uris signed_by entry
  codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
  found=$(awk -v suite="$codename" '
    BEGIN { RS = ""; FS = "\n" }
    { types = suites = uris = keys = ""
      for (i = 1; i <= NF; i++) {
        if ($i ~ /^Types:/) types = " " substr($i, 7) " "
        else if ($i ~ /^Suites:/) suites = " " substr($i, 8) " "
        else if ($i ~ /^URIs:/) uris = substr($i, 6)
        else if ($i ~ /^Signed-By:/) keys = substr($i, 11) }
      gsub(/[ \t]+/, " ", types); gsub(/[ \t]+/, " ", suites)
      if (types ~ / deb / && suites ~ " " suite " " && uris != "") {
        print uris "|" keys; exit } }' /etc/apt/sources.list.d/*.sources)
  [ -n "$found" ] ||
    fail "finding the system's $codename entry in /etc/apt/sources.list.d"
  uris=$(echo "${found%%|*}" | xargs)
  signed_by=$(echo "${found#*|}" | xargs)
  entry="# Written by snakepit's scripts/free-threaded-python.sh: sources only.
Types: deb-src
URIs: $uris
Suites: $source_suite
Components: main
Signed-By: ${signed_by:-/usr/share/keyrings/debian-archive-keyring.gpg}"
  [ -f "$apt_entry" ] && [ "$(cat "$apt_entry")" = "$entry" ] && return 0
  say "writing $apt_entry (deb-src only)"
  echo "$entry" | run_root tee "$apt_entry" >/dev/null ||
    fail "writing $apt_entry"
  apt_update
}

parent=$(dirname "$prefix")
mkdir -p "$parent" && [ -w "$parent" ] ||
  fail "creating $parent (run as root or set SNAKEPIT_FREE_THREADED_PREFIX)"
exec 9>"$parent/.$(basename "$prefix").lock"
if ! flock -n 9; then
  say "waiting for another build of $prefix"
  flock -w 3600 9 || fail "locking $parent/.$(basename "$prefix").lock"
fi
if gil_off; then finish; fi
if [ -e "$prefix" ]; then
  if [ -f "$prefix/$marker" ]; then
    say "removing the unusable interpreter in $prefix"
    rm -rf "$prefix"
  else
    rmdir "$prefix" 2>/dev/null ||
      fail "checking $prefix: it holds files this script did not build"
  fi
fi

export DEBIAN_FRONTEND=noninteractive
start=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/tmp}/snakepit-free-threaded.XXXXXX")
stage=$(mktemp -d "$parent/.$(basename "$prefix").stage.XXXXXX")
trap 'rm -rf "$work" "$stage"' EXIT
log=$work/build.log
run_logged() {
  local name=$1
  shift
  say "$name"
  if ! "$@" >>"$log" 2>&1; then
    tail -n 40 "$log" >&2
    fail "$name"
  fi
}

write_apt_entry
apt-cache showsrc --only-source "$source_package" 2>/dev/null |
  grep '^Version:' >/dev/null || apt_update
ensure_packages "${packages[@]}"
cd "$work"
run_logged "fetching the source package $source_package/$source_suite" \
  apt-get source --download-only -q "$source_package/$source_suite"
origs=("$work/${source_package}"_*.orig.tar.*)
orig=${origs[0]}
[ -f "$orig" ] || fail "finding the upstream tarball of $source_package"
mkdir "$work/src"
run_logged "unpacking $(basename "$orig")" \
  tar -xf "$orig" -C "$work/src" --strip-components=1
cd "$work/src"
run_logged "configure --disable-gil --prefix=$prefix" \
  ./configure --disable-gil --prefix="$prefix" --without-ensurepip \
  --disable-test-modules
run_logged "make -j$(nproc)" make -j"$(nproc)"
run_logged "make install" make install DESTDIR="$stage"
touch "$stage$prefix/$marker"
mv "$stage$prefix" "$prefix" || fail "moving the build into $prefix"
say "built $python in $(( $(date +%s) - start )) s"
gil_off || fail "checking that $python runs with the GIL off"
finish
