#!/usr/bin/env bash
# (Re)create every committed example under results/ from scratch with the CLI:
#   example runs (demo set): tiny, reference:thick, reference:thin, reference:half, and four ablation
#   stand-in arms;
#   the leaderboard report, the thick-vs-thin comparison, the ablation table and the paper tables.
# Usage: results/make_examples.sh            (from anywhere; uses `mella-bench` on PATH, or MB=... to override)
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${MB:-mella-bench}
EX=results/examples

rm -rf "$EX" results/report results/ablation results/tables
mkdir -p "$EX"

# 1. the three example models on the demo set (all 8 languages, both axes; generation + scoring)
$MB run --model tiny            --data demo --output "$EX/tiny"            --quiet
$MB run --model reference:thick --data demo --output "$EX/reference-thick" --quiet
$MB run --model reference:thin  --data demo --output "$EX/reference-thin"  --quiet
# the first half of each reference: some keywords and part of the n-grams, so every table cell lies strictly
# between 0 and 100 and `tables --check` notices a changed metric definition (not just a changed answer)
$MB run --model reference:half  --data demo --output "$EX/reference-half"  --quiet

# 2. four stand-in ablation arms. Nothing is trained and no score is invented: each arm replays real
#    fields of the demo items, per axis (base: thin everywhere; culture: thick on know only;
#    linguistic: thick on ling only; full: thick everywhere). This needs the per-axis replay spec
#    `reference:know=FIELD,ling=FIELD` (see the reference backend and results/README.md).
$MB run --model reference:know=thin,ling=thin   --data demo --output "$EX/arm-base"       --quiet
$MB run --model reference:know=thick,ling=thin  --data demo --output "$EX/arm-culture"    --quiet
$MB run --model reference:know=thin,ling=thick  --data demo --output "$EX/arm-linguistic" --quiet
$MB run --model reference:know=thick,ling=thick --data demo --output "$EX/arm-full"       --quiet

# 3. reports
$MB report "$EX/reference-thin" "$EX/reference-thick" "$EX/tiny" --out results/report
$MB compare "$EX/reference-thin" "$EX/reference-thick" --out results/report > /dev/null
$MB ablate --base "$EX/arm-base" --culture "$EX/arm-culture" --linguistic "$EX/arm-linguistic" \
           --full "$EX/arm-full" --out results/ablation
$MB tables --config results/tables.yaml
$MB tables --config results/tables.yaml --check
echo "examples rebuilt under results/ (commit results/examples, results/report, results/ablation, results/tables)"
