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

"$(dirname "$0")/apt-install.sh" install-browser "${need[@]}"
/usr/bin/chromium --version
