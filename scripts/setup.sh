#!/usr/bin/env bash
# penlab set-up: installs what is missing, then builds what penlab runs.
#   system packages (Debian): libunicorn2 libunicorn-dev binutils-arm-none-eabi qemu-system-arm gcc
#   npm packages: from package-lock.json
#   native stepper (into penlab's cache, ~/.cache/penlab/native-<hash>/) and firmware (firmware/build/*.elf)
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
[ "$major" -ge 20 ] || die "Node.js 20 or newer is needed (found: $(node --version 2>/dev/null || echo none))"

missing=()
dpkg -s libunicorn2 >/dev/null 2>&1 || missing+=(libunicorn2)
[ -f /usr/include/unicorn/unicorn.h ] || missing+=(libunicorn-dev)
command -v arm-none-eabi-as >/dev/null 2>&1 || missing+=(binutils-arm-none-eabi)
command -v qemu-system-arm >/dev/null 2>&1 || missing+=(qemu-system-arm)
command -v cc >/dev/null 2>&1 || missing+=(gcc)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then apt=(apt-get); elif command -v sudo >/dev/null 2>&1; then apt=(sudo apt-get); else
    die "need root to install ${missing[*]}: run 'apt-get install -y ${missing[*]}' as root, then this again"
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${apt[@]}" update -qq >/dev/null || die "apt-get update failed: install ${missing[*]} by hand"
  "${apt[@]}" install -y -qq "${missing[@]}" >/dev/null || die "apt-get install failed: install ${missing[*]} by hand"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null || die "npm ci failed"
fi

make -s native firmware
