#!/usr/bin/env bash
# Installs the Debian packages Snakepit needs, and only those that are missing.
# Runs as root (or through sudo when available). Safe to run repeatedly.
# With package names as arguments, installs those instead of the list.
set -euo pipefail

packages=(
  build-essential cmake pkg-config ninja-build ccache
  libcaf-dev
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libboost-dev libboost-filesystem-dev libssl-dev openssl
  libspdlog-dev libtomlplusplus-dev nlohmann-json3-dev libcli11-dev
  catch2
  python3 python3-grpcio python3-protobuf python3-pytest
  python3-setuptools python3-wheel python3-pip
  clang-14 libclang-rt-14-dev llvm-14
)
if [ $# -gt 0 ]; then packages=("$@"); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "bootstrap: all packages present"
  exit 0
fi

echo "bootstrap: installing ${missing[*]}"
run_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@";
  elif command -v sudo >/dev/null; then sudo "$@";
  else echo "bootstrap: need root to install: ${missing[*]}" >&2; exit 1; fi
}
export DEBIAN_FRONTEND=noninteractive
run_root apt-get update -qq
run_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
