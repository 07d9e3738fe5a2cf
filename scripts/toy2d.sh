#!/usr/bin/env bash
# The main job from nothing: install what is missing, build toy2d, run it (flags are
# passed on, e.g. bash scripts/toy2d.sh --path independent). Outputs in runs/toy2d/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build
cmake --build build -j"$(nproc)" --target toy2d
./build/examples/toy2d "$@"
