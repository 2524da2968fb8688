#!/usr/bin/env bash
# Redraw the example figures in docs/img/ (one of each kind) with the mella-bench CLI:
#   figure-bars.png / figure-scatter.png: a report of two committed example runs plus a run on three
#     languages whose longest answers fail (--max-answer-chars), so the figures show a language a run did
#     not evaluate (hatched n/a), macros over different languages (†) and failure rates;
#   figure-ablation.png: the committed ablation figure (results/ablation, made by `mella-bench ablate`).
# Usage: tools/make_doc_figures.sh   (from anywhere; MB=... overrides the `mella-bench` command, PY=... python)
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${MB:-mella-bench}
PY=${PY:-python}
WORK=${WORK:-build/doc-figures}

rm -rf "$WORK"
mkdir -p "$WORK" docs/img
# three of the eight languages, read from the language registry (every third one)
LANGS=$($PY -c 'from mella_bench.langs import LANG_CODES; print(",".join(LANG_CODES[::3]))')
$MB run --model reference:thick --data demo --langs "$LANGS" --max-answer-chars 260 --max-failure-rate 1 \
  --output "$WORK/reference-thick-3langs" --quiet > /dev/null
$MB report results/examples/reference-thin results/examples/reference-half "$WORK/reference-thick-3langs" \
  --output "$WORK/report" --no-html > /dev/null
cp "$WORK/report/bars_ling_meteor.png" docs/img/figure-bars.png
cp "$WORK/report/scatter_know_ling.png" docs/img/figure-scatter.png
cp results/ablation/ablation.png docs/img/figure-ablation.png
echo "wrote docs/img/figure-bars.png, figure-scatter.png, figure-ablation.png"
