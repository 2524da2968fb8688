#!/usr/bin/env bash
# Install Debian packages for a tools/install-*.sh script: `tools/apt-install.sh NAME PACKAGE...`.
# Idempotent: packages dpkg already has are left out, and nothing runs when none is missing.
# Needs root (or sudo without a password) and apt-get; NAME prefixes the messages.
set -euo pipefail
name=$1
shift
missing=()
for p in "$@"; do
    dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "$name: $* already installed"
    exit 0
fi
set -- "${missing[@]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
        echo "$name: need root to install $* (not root, no sudo)" >&2
        exit 1
    fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "$name: no apt-get on this machine; install $* by hand" >&2
    exit 1
fi
echo "$name: apt-get install $*"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "$@" >/dev/null
