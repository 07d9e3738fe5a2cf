#!/usr/bin/env bash
# cuda/run_gpu_checks.sh must fail loudly where the GPU was not used: no device, or CUDA
# tests skipped. Its two verdicts are checked here without a GPU: the GPU probe (with a
# stand-in nvidia-smi that fails, prints nothing, or names a GPU) and the judgement of a
# ctest log (made-up logs: all passed, a CUDA test skipped, a test failed, none listed,
# ctest cut off). Usage: test_run_gpu_checks.sh PATH/TO/run_gpu_checks.sh
set -u
script=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
expect() {  # expect STATUS TEXT DESCRIPTION -- COMMAND...: exit status and a line of output
  local want=$1 text=$2 what=$3
  shift 4
  local out rc
  out=$("$@" 2>&1)
  rc=$?
  if [ "$rc" -ne "$want" ] || ! grep -q -- "$text" <<< "$out"; then
    echo "FAILED: $what: exit status $rc (expected $want), output should contain '$text':"
    echo "$out" | sed 's/^/    /'
    failures=$((failures + 1))
  else
    echo "ok: $what"
  fi
}
probe() {  # probe NVIDIA_SMI_BODY: run --probe with this stand-in nvidia-smi first on PATH
  mkdir -p "$tmp/bin"
  printf '#!/bin/sh\n%s\n' "$1" > "$tmp/bin/nvidia-smi"
  chmod +x "$tmp/bin/nvidia-smi"
  PATH="$tmp/bin:$PATH" BUILD="$tmp/build" OUT="$tmp/out" bash "$script" --probe
}

expect 2 "NO CUDA DEVICE" "a failing nvidia-smi (no driver) means no GPU" -- \
  probe 'echo "NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver"; exit 9'
expect 2 "NO CUDA DEVICE" "an nvidia-smi that lists nothing means no GPU" -- probe 'exit 0'
expect 0 "NVIDIA H200" "a listed GPU passes the probe" -- probe 'echo "NVIDIA H200, 580.159.03, 143771 MiB"'
grep -q "NO CUDA DEVICE" "$tmp/out/summary.txt" 2> /dev/null &&
  { echo "FAILED: the probe's summary.txt is stale"; failures=$((failures + 1)); }

# The CUDA tests' names (as rill_device_tests --list-test-names-only prints them), one
# without "cuda" in it (a skip is caught by name, not by a word in it), and ctest logs.
printf '%s\n' "device: matmul plain batched transposed broadcast and strided (cuda)" \
  "device: TF32 matmul is opt-in and close to float32" > "$tmp/names.txt"
: > "$tmp/none.txt"
passed='100% tests passed, 0 tests failed out of 412'
skipped_cuda='	412 - device: matmul plain batched transposed broadcast and strided (cuda) (Skipped)'
skipped_tf32='	 98 - device: TF32 matmul is opt-in and close to float32 (Skipped)'
skipped_other='	 37 - data: Fashion-MNIST from the Debian package (Skipped)'
judge() {  # judge NAMES LINE...: a ctest log of these lines
  local names=$1
  shift
  printf '%s\n' "$@" > "$tmp/ctest.log"
  OUT="$tmp/out" bash "$script" --judge-tests "$tmp/ctest.log" "$names"
}
expect 0 "2 listed, 0 skipped" "all passed, CUDA tests listed and run" -- judge "$tmp/names.txt" "$passed"
expect 0 "0 skipped" "a skipped test of something else is allowed" -- judge "$tmp/names.txt" "$skipped_other" "$passed"
expect 1 "CUDA TESTS WERE SKIPPED" "a skipped CUDA test fails" -- judge "$tmp/names.txt" "$skipped_cuda" "$passed"
expect 1 "1 skipped" "a skipped CUDA test without 'cuda' in its name fails" -- \
  judge "$tmp/names.txt" "$skipped_other" "$skipped_tf32" "$passed"
expect 1 "NO CUDA TESTS" "no CUDA test listed fails" -- judge "$tmp/none.txt" "$passed"
expect 1 "Failed" "a failed test fails" -- judge "$tmp/names.txt" \
  "  3/412 Test  #3: tensor: add ...***Failed    0.10 sec" "99% tests passed, 1 tests failed out of 412"
expect 1 "did not finish" "a cut-off ctest run fails" -- \
  judge "$tmp/names.txt" "  1/412 Test  #1: tensor: add ...   Passed    0.10 sec"

[ "$failures" -eq 0 ] || { echo "$failures check(s) failed"; exit 1; }
echo "all checks passed"
