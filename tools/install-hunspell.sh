#!/usr/bin/env bash
# Install the sources of the independent Keyword Accuracy cases (tests/metrics/keyword_sets.py) from
# Debian's packages: the hunspell binary and the dictionaries of ar cs hu ko ru sr th. Idempotent:
# installs only what is missing. Needs root (or sudo) and access to the Debian mirror.
# Used by `make test` and .ci/run; see docs/metrics-keywords.md ("Independent cases").
set -euo pipefail

pkgs=(hunspell hunspell-ar hunspell-cs hunspell-hu hunspell-ko hunspell-ru hunspell-sr hunspell-th)
need=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -eq 0 ]; then
    echo "install-hunspell: dictionaries already installed"
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
        echo "install-hunspell: need root to install ${need[*]} (not root, no sudo)" >&2
        exit 1
    fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-hunspell: no apt-get on this machine; install ${need[*]} by hand" >&2
    exit 1
fi
$SUDO apt-get update -qq || true
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
echo "install-hunspell: installed ${need[*]}"
