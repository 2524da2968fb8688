#!/usr/bin/env bash
# The culture-vs-linguistics ablation end to end, on the tiny LLaVA, on 2 CPU cores:
#   1. write the small training split (make_data.py: D_know, D_ling; demo-style, no evaluation item)
#   2. `mella-bench data arms`: culture / linguistic / full arms, matched budget, leak check vs the demo set
#   3. build the tiny base checkpoint and fine-tune it on each arm (train.py: plain torch, deterministic)
#   4. `mella-bench ablate` on the four checkpoints: evaluates each on the 96-item demo set, same settings
# Writes results/ablation/ (table, runs/<arm>/ predictions and scores, training/ logs and the arms
# manifest); training data, arms and checkpoints stay under $WORK (not committed).
# Usage: examples/ablation_tiny/run.sh      (MB=..., PY=... override the mella-bench and python commands)
set -euo pipefail
cd "$(dirname "$0")/../.."
MB=${MB:-mella-bench}
PY=${PY:-python}
WORK=${WORK:-build/ablation-tiny}
OUT=${OUT:-results/ablation}
STEPS=${STEPS:-600}
T0=$(date +%s)

rm -rf "$WORK" "$OUT/runs" "$OUT/training" "$OUT"/ablation.*
mkdir -p "$WORK" "$OUT/training"

$PY examples/ablation_tiny/make_data.py "$WORK/data"
$MB data arms --know "$WORK/data/D_know" --ling "$WORK/data/D_ling" --output "$WORK/arms" --test demo > /dev/null
cp "$WORK/arms/manifest.json" "$OUT/training/arms-manifest.json"

$PY -c "import sys; from mella_bench.inference.backends.tiny import build_tiny_model; build_tiny_model(sys.argv[1])" "$WORK/ckpt/base"
T1=$(date +%s)
for arm in culture linguistic full; do
  nice -n 10 $PY examples/ablation_tiny/train.py --base "$WORK/ckpt/base" --data "$WORK/arms/llava/$arm.json" \
    --images "$WORK/arms" --output "$WORK/ckpt/$arm" --steps "$STEPS" --batch-size 8 --lr 2e-3 --seed 0
  cp "$WORK/ckpt/$arm.train.json" "$OUT/training/$arm.train.json"
done
(cd "$WORK/ckpt" && sha256sum */model.safetensors) > "$OUT/training/weights.sha256"  # training is deterministic
T2=$(date +%s)

nice -n 10 $MB ablate --base "$WORK/ckpt/base" --culture "$WORK/ckpt/culture" --linguistic "$WORK/ckpt/linguistic" \
  --full "$WORK/ckpt/full" --langs all --data demo --output "$OUT" --quiet
$MB ablate --check "$OUT"
T3=$(date +%s)
echo "tiny ablation: data+arms $((T1 - T0)) s, training $((T2 - T1)) s, evaluation+table $((T3 - T2)) s, total $((T3 - T0)) s" \
  | tee "$OUT/training/timing.txt"
