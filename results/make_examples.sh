#!/usr/bin/env bash
# (Re)create every committed example under results/ from scratch with the CLI:
#   example runs (demo set): tiny, reference:thick, reference:thin, reference:half; the leaderboard
#   report, the thick-vs-thin comparison and the paper tables; and the ablation of four tiny checkpoints
#   trained here (examples/ablation_tiny/run.sh: training data -> data arms -> CPU fine-tuning -> ablate).
# Usage: results/make_examples.sh            (from anywhere; uses `mella-bench` on PATH, or MB=... to override)
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${MB:-mella-bench}
EX=results/examples

rm -rf "$EX" results/report results/tables
mkdir -p "$EX"

# 1. the three example models on the demo set (all 8 languages, both axes; generation + scoring)
$MB run --model tiny            --data demo --output "$EX/tiny"            --quiet
$MB run --model reference:thick --data demo --output "$EX/reference-thick" --quiet
$MB run --model reference:thin  --data demo --output "$EX/reference-thin"  --quiet
# the first half of each reference: some keywords and part of the n-grams, so every table cell lies strictly
# between 0 and 100 and `tables --check` notices a changed metric definition (not just a changed answer)
$MB run --model reference:half  --data demo --output "$EX/reference-half"  --quiet

# 2. reports
$MB report "$EX/reference-thin" "$EX/reference-thick" "$EX/tiny" --output results/report
$MB compare "$EX/reference-thin" "$EX/reference-thick" --output results/report > /dev/null
$MB tables --config results/tables.yaml
$MB tables --config results/tables.yaml --check

# 3. the ablation: four tiny checkpoints trained on the culture / linguistic / full arms (a few minutes on
#    2 CPU cores; it rewrites results/ablation/ except its README.md)
MB="$MB" PY="${PY:-python}" examples/ablation_tiny/run.sh
echo "examples rebuilt under results/ (commit results/examples, results/report, results/ablation, results/tables)"
