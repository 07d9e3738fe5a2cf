#!/usr/bin/env bash
# The whole test suite from nothing: install what is missing, build everything, run ctest.
# Extra CMake options go in CMAKE_ARGS (e.g. CMAKE_ARGS=-DRILL_WERROR=ON, as CI does).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build ${CMAKE_ARGS:-}
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure -j"$(nproc)"
