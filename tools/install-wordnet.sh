#!/usr/bin/env bash
# Install Debian's Princeton WordNet 3.0: `wordnet-base` (the database, /usr/share/wordnet, WordNet 3.0
# licence) is read by Thai Keyword Accuracy to tell a compound headed by the keyword from another word
# (mella_bench/metrics/text/kinds.py, with pythainlp's Thai WordNet); `wordnet` (the `wn` browser) is
# the independent reference its tests compare the hypernym reader with. Idempotent: installs only what is
# missing. Needs root (or sudo) and access to the Debian mirror. Used by `make test` and .ci/run; see
# docs/metrics-keywords.md ("Thai").
set -euo pipefail

"$(dirname "$0")/apt-install.sh" install-wordnet wordnet-base wordnet
