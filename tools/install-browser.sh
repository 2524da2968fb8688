#!/usr/bin/env bash
# Install what the HTML report's browser test needs, from Debian's packages: headless Chromium and
# fonts for the scripts of the eight languages (Noto: Thai, Arabic, Cyrillic, Latin; Noto CJK: Hangul).
# Idempotent: installs only what is missing. Needs root (or sudo) and access to the Debian mirror.
# Used by `make test` and .ci/run; see docs/reports.md ("Browser test").
set -euo pipefail

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
# fc-list answers once fontconfig is there; before that, install the fonts anyway
have_font() { command -v fc-list >/dev/null 2>&1 && fc-list ":lang=$1" family | grep -qi "$2"; }
have_font th "Noto Sans Thai" || need+=(fonts-noto-core)
have_font ko "Noto Sans CJK" || need+=(fonts-noto-cjk)

if [ ${#need[@]} -eq 0 ]; then
    echo "install-browser: chromium and fonts already installed"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
        echo "install-browser: need root to install ${need[*]} (not root, no sudo)" >&2
        exit 1
    fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-browser: no apt-get on this machine; install ${need[*]} by hand" >&2
    exit 1
fi
echo "install-browser: apt-get install ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >/dev/null
/usr/bin/chromium --version
