#!/usr/bin/env bash
# Install Debian's Hunspell dictionaries: those of ar cs hu ko ru sr th (with the hunspell binary) are the
# sources of the independent Keyword Accuracy cases (tests/metrics/keyword_sets.py); those of ru sr uk be
# kk bg sl, and Macedonian's from the npm registry (Debian has none: dictionary-mk, GPL-3.0, fetched and
# checked by tools/fetch_npm_dictionary.py), are read by fidelity's word vote
# (mella_bench/metrics/text/spelling.py); Hungarian's is also read by Keyword Accuracy for stems
# (KeywordRules.stem_dictionary). Idempotent:
# installs only what is missing. Needs root (or sudo) and access to the Debian mirror and the npm registry.
# Used by `make test` and .ci/run; see docs/metrics-keywords.md ("Independent cases").
set -euo pipefail

pkgs=(hunspell hunspell-ar hunspell-cs hunspell-hu hunspell-ko hunspell-ru hunspell-sr hunspell-th
      hunspell-uk hunspell-be hunspell-kk hunspell-bg hunspell-sl)
"$(dirname "$0")/apt-install.sh" install-hunspell "${pkgs[@]}"

python3 "$(dirname "$0")/fetch_npm_dictionary.py" dictionary-mk 2.0.0 mk_MK \
    sha512-fZmbMsQqVKFJn71JCW6J6uwoNfEurHy5P/JYLQa73KNuDH8f/3fEVpizzg9Tdb40jG1a59dEHpKDyhHyTbVNDQ==
