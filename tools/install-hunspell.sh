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
"$(dirname "$0")/apt-install.sh" install-hunspell "${need[@]}"
