#!/usr/bin/env bash
# Builds the libFuzzer harnesses (clang-14, AddressSanitizer + UBSan) in build-fuzz/ and
# runs each for SECONDS, one after another, one process each (see README.md).
#   fuzz/run.sh SECONDS [HARNESS...]      HARNESS: safetensors idx cifar10 npy (default: all)
# New inputs a fuzzer finds go to build-fuzz/corpus/<harness>/ (the committed seeds in
# fuzz/corpus/ are read, never written); crashing inputs to build-fuzz/findings/<harness>/.
# Exits non-zero if any harness found something.
set -euo pipefail
seconds=${1:?usage: fuzz/run.sh SECONDS [HARNESS...]}
shift
harnesses=("$@")
[[ ${#harnesses[@]} -gt 0 ]] || harnesses=(safetensors idx cifar10 npy)
root=$(cd "$(dirname "$0")/.." && pwd)
build=${RILL_FUZZ_BUILD:-$root/build-fuzz}

CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$build" -DRILL_FUZZ=ON -DRILL_CUDA=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=()
for h in "${harnesses[@]}"; do targets+=("fuzz_$h"); done
cmake --build "$build" -j"${JOBS:-2}" --target "${targets[@]}"

status=0
for h in "${harnesses[@]}"; do
  mkdir -p "$build/corpus/$h" "$build/findings/$h"
  args=(-max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$build/findings/$h/")
  [[ -f "$root/fuzz/$h.dict" ]] && args+=(-dict="$root/fuzz/$h.dict")
  [[ $h == cifar10 ]] && args+=(-max_len=8192)  # room for two 3073-byte records
  echo "== fuzz_$h for ${seconds}s (log: $build/fuzz_$h.log)"
  if "$build/fuzz/fuzz_$h" "${args[@]}" "$build/corpus/$h" "$root/fuzz/corpus/$h" >"$build/fuzz_$h.log" 2>&1; then
    grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$build/fuzz_$h.log" || true
  else
    status=1
    echo "fuzz_$h FOUND SOMETHING:"
    grep -E -A30 '^==[0-9]+==ERROR|runtime error|uncaught exception|deadly signal' "$build/fuzz_$h.log" | head -60 || tail -40 "$build/fuzz_$h.log"
    ls "$build/findings/$h"
  fi
done
exit $status
