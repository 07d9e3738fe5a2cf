#!/usr/bin/env bash
# Installs a built rill into a fresh temporary prefix and uses it from outside the tree,
# as a user's project would (README "Install and use from your own project"):
#   1. cmake --install BUILD --prefix P;
#   2. examples/out-of-tree, configured against P alone (find_package(rill CONFIG)), built
#      with warnings as errors and its tests run: a new layer's gradcheck, flow matching
#      with it, and, when P has the CUDA backend, that linking rill::cuda registers it
#      (and that rill::rill alone does not);
#   3. the same layer test and the CUDA probe built with pkg-config (rill.pc, rill-cuda.pc).
# Usage: bash scripts/install_check.sh [BUILD, default build]. CI runs it after the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
prefix=$(mktemp -d)
work=$(mktemp -d)
trap 'rm -rf "$prefix" "$work"' EXIT

cmake --install "$build" --prefix "$prefix" > "$work/install.log"
echo "install_check: installed $(grep -c Installing "$work/install.log") files into $prefix"
test -f "$prefix/include/rill/version.h" && test -f "$prefix/include/rill/tensor/tensor.h"

# Only the install prefix: the consumer must not see rill's sources or build tree.
cmake -S examples/out-of-tree -B "$work/consumer" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_COMPILE_WARNING_AS_ERROR=ON
cmake --build "$work/consumer" -j"$(nproc)"
ctest --test-dir "$work/consumer" --output-on-failure -j"$(nproc)"

# pkg-config: the flags a Makefile would use.
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
echo "install_check: pkg-config rill $(pkg-config --modversion rill)"
src=examples/out-of-tree
# shellcheck disable=SC2046  # the flags are meant to split
c++ -std=c++20 -I"$src" "$src/test_swish.cpp" "$src/swish.cpp" -o "$work/test_swish_pc" $(pkg-config --cflags --libs rill)
OMP_NUM_THREADS=1 "$work/test_swish_pc" > "$work/test_swish_pc.log" || { cat "$work/test_swish_pc.log"; exit 1; }
echo "install_check: test_swish built with pkg-config rill: passed"
if pkg-config --exists rill-cuda; then
  # shellcheck disable=SC2046
  c++ -std=c++20 "$src/cuda_probe.cpp" -o "$work/cuda_probe_pc" $(pkg-config --cflags --libs rill-cuda)
  "$work/cuda_probe_pc" registered
  echo "install_check: cuda_probe built with pkg-config rill-cuda: backend registered"
fi
echo "install_check: passed"
