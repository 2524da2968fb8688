#!/usr/bin/env bash
# Install Debian packages for a tools/install-*.sh script: `tools/apt-install.sh NAME PACKAGE...`.
# Needs root (or sudo without a password) and apt-get; NAME prefixes the messages.
set -euo pipefail
name=$1
shift
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
