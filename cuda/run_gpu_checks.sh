#!/usr/bin/env bash
# The one script to run on a machine with an NVIDIA GPU: build rill with the CUDA backend,
# run the whole test suite (the "(cuda)" cases run there instead of being skipped), the
# examples' loss curves on the CPU and on the GPU side by side, and the GPU benchmark next
# to PyTorch; everything lands in a report folder.
#
# On the device machine of this workplace (one H200, nvcc, CMake, ninja, Python with
# PyTorch, but no Debian -dev packages and no network), first, here:
#
#     bash cuda/gpu_deps.sh download      # .gpu-debs/, ~15 MB of .deb files, git-ignored
#
# then the device tool's `run` with
#
#     command:   bash cuda/run_gpu_checks.sh
#     carry:     [".gpu-debs"]
#     timeout_s: 600
#
# The script keeps to TIME_BUDGET (default 560 s) by itself, each step's timeout cut to
# what is left, so that its report comes back before the tool's 600 s limit. A second run
# on the still-warm machine reuses build-gpu/ (an incremental build).
#
# Anywhere else: `bash cuda/run_gpu_checks.sh` with the packages of scripts/deps.sh
# installed (no .gpu-debs/ needed). Settings (environment): BUILD (build-gpu), JOBS
# (nproc), CUDA_ARCHS (90: Hopper, the H100/H200), TIME_BUDGET (560), BUILD_TIMEOUT (330 s
# at most for the build, within the budget), EXTRA_CMAKE_ARGS,
# REQUIRE_PREFIX=1 (fail unless CMake found every package, and the programs load every
# library, from the unpacked .deb prefix:
# the rehearsal on a machine that has them installed too, see cuda/README.md).
#
# Report: in $OUT (set by the device tool), else $BUILD/report; six files, flat, as the
# tool brings back at most 8 files: summary.txt (what ran, the verdicts, the numbers),
# configure.log, build.log, ctest.log, curves.csv (loss per step, CPU and CUDA), bench.log.
#
# Exit status: 0 all passed; 1 a test failed, or a CUDA test was skipped or none ran (on a
# GPU machine a skipped CUDA test means the GPU was not used), or a CUDA loss curve
# leaves the CPU's (more than 2e-2 relative at a step);
# 2 no CUDA device (after configuring and building, so that a machine without a GPU
# still checks the build); 3 the dependencies or the configure failed, or a library the
# built programs need is missing (ldd); 4 the build failed.
# The benchmark never fails it.
#
# Two parts can run alone (tests/cuda/test_run_gpu_checks.sh checks them without a GPU):
#     bash cuda/run_gpu_checks.sh --probe                      # the machine and its GPU: exit 0, or 2 without one
#     bash cuda/run_gpu_checks.sh --judge-tests CTEST_LOG NAMES  # the verdict on a ctest log; NAMES: the CUDA tests, one a line
set -u -o pipefail
export LC_ALL=C  # sort and join below must collate alike
cd "$(dirname "$0")/.."
SUMMARY=/dev/null  # until the report folder exists
say() { echo "$*" | tee -a "$SUMMARY"; }

# The verdict on a ctest log (ctest --output-on-failure), given the file of the CUDA
# tests' names (those of tests/cuda/, rill_device_tests --list-test-names-only): 0 when
# ctest reported no failure, at least one CUDA test was listed and none was skipped;
# else 1, saying why. Skipped here legitimately: tests of what this machine lacks (a
# dataset package, OPENBLAS_CORETYPE, MPI, a second GPU). A skipped CUDA test is not
# legitimate: the GPU was not used.
judge_tests() {
  local log=$1 names=$2 verdict=0 listed skipped
  say "tests:    $(grep -E "tests passed|tests failed" "$log" || echo "ctest did not finish (timed out?)")"
  grep -qE "tests passed, 0 tests failed|100% tests passed" "$log" || verdict=1
  grep -E "\*\*\*Failed|\*\*\*Timeout|\*\*\*Exception|Not Run" "$log" | head -n 40 | tee -a "$SUMMARY"
  grep "(Skipped)" "$log" | head -n 40 | sed 's/^/skipped:  /' | tee -a "$SUMMARY"
  listed=$(grep -c . "$names")
  # ctest's closing list: "    412 - device: matmul ... (cuda) (Skipped)"
  skipped=$(grep "(Skipped)" "$log" | sed -E 's/^[[:space:]]*[0-9]+ - (.*) \(Skipped\)[[:space:]]*$/\1/' | grep -cFxf "$names")
  say "CUDA tests: $listed listed, $skipped skipped (expected: more than 0 listed, 0 skipped)"
  [ "$listed" -gt 0 ] || { say "NO CUDA TESTS were listed"; verdict=1; }
  [ "$skipped" -eq 0 ] || { say "CUDA TESTS WERE SKIPPED: the GPU was not used"; verdict=1; }
  return $verdict
}
if [ "${1:-}" = --judge-tests ]; then
  judge_tests "${2:?usage: --judge-tests CTEST_LOG NAMES}" "${3:?usage: --judge-tests CTEST_LOG NAMES}"
  exit $?
fi

BUILD=${BUILD:-build-gpu}
JOBS=${JOBS:-$(nproc)}
CUDA_ARCHS=${CUDA_ARCHS:-90}
TIME_BUDGET=${TIME_BUDGET:-560}
REPORT=${OUT:-$BUILD/report}
mkdir -p "$BUILD" "$REPORT"
BUILD=$(cd "$BUILD" && pwd)
REPORT=$(cd "$REPORT" && pwd)
SUMMARY="$REPORT/summary.txt"
: > "$SUMMARY"
# The CUDA toolkit's usual home, in case nvcc is not on PATH.
command -v nvcc > /dev/null || export PATH="$PATH:/usr/local/cuda/bin"

# A step's timeout: at most `cap` seconds, and no more than the budget leaves after
# `reserve` seconds kept for the steps after it (at least 10).
timeout_for() {
  local cap=$1 reserve=$2 left=$((TIME_BUDGET - SECONDS - $2))
  ((left < cap)) && cap=$left
  ((cap < 10)) && cap=10
  echo "$cap"
}
finish() {
  say "== result: $1 (exit status $2, ${SECONDS} s in all; report in $REPORT)"
  exit "$2"
}

# ---- 1. the machine -----------------------------------------------------------------
say "== rill GPU checks, $(date -u '+%Y-%m-%d %H:%M:%S UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
say "machine:  $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME"), $(uname -m), $(nproc) cores, glibc $(ldd --version 2>/dev/null | head -n 1 | grep -o '[0-9.]*$')"
say "c++:      $(c++ --version 2>/dev/null | head -n 1)"
say "nvcc:     $(nvcc --version 2>/dev/null | tail -n 1)"
say "cmake:    $(cmake --version 2>/dev/null | head -n 1), ninja $(ninja --version 2>/dev/null || echo 'not found')"
say "python:   $(python3 -c 'import sys, torch; print(sys.version.split()[0], "torch", torch.__version__, "cuda", torch.cuda.is_available())' 2>&1 | tail -n 1)"
# Looked at first, acted on after the build: a machine without a GPU still checks the build.
gpu_ok=0
if gpus=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1) && [ -n "$gpus" ]; then
  gpu_ok=1
  say "GPU:      $gpus"
else
  say "GPU:      NO CUDA DEVICE (nvidia-smi: ${gpus:-no output}); building anyway, then stopping"
fi
if [ "${1:-}" = --probe ]; then
  [ "$gpu_ok" = 1 ] && finish "a GPU is here" 0
  finish "NO CUDA DEVICE" 2
fi

# ---- 2. the dependencies: unpacked .deb files when carried, else the system's -------
# CMAKE_POLICY_VERSION_MINIMUM: a CMake 4 there (pip's) refuses package files written for
# CMake < 3.5; Debian's all give ranges up to 3.19 or 3.22, this is insurance (older
# CMakes ignore it).
cmake_args=(-DRILL_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES="$CUDA_ARCHS" -DRILL_MPI=OFF -DRILL_NCCL=OFF
            -DCMAKE_BUILD_TYPE=Release -DCMAKE_POLICY_VERSION_MINIMUM=3.5)
command -v ninja > /dev/null && [ ! -f "$BUILD/Makefile" ] && cmake_args+=(-G Ninja)
command -v ccache > /dev/null && cmake_args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache)
PREFIX=""
if ls .gpu-debs/*.deb > /dev/null 2>&1; then
  PREFIX="$BUILD/deps"
  # Unpacked once per set of .deb files (a second run on a warm machine skips it).
  stamp=$(ls .gpu-debs/*.deb | md5sum | cut -c1-32)
  if [ "$(cat "$PREFIX/.stamp" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$PREFIX"
    bash cuda/gpu_deps.sh unpack "$PREFIX" 2>&1 | tee -a "$SUMMARY" || finish "the .deb files did not unpack" 3
    echo "$stamp" > "$PREFIX/.stamp"
  fi
  arch=$(cd "$PREFIX/usr/lib" && ls -d *-linux-gnu | head -n 1)
  cmake_args+=(-DCMAKE_PREFIX_PATH="$PREFIX/usr")
  export PKG_CONFIG_PATH="$PREFIX/usr/lib/$arch/pkgconfig:$PREFIX/usr/share/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
  # For the programs built (OpenBLAS finds libgfortran through it), not for python3:
  # Debian's older zlib must not shadow the one PyTorch was built against.
  RUN_LIBS="$PREFIX/usr/lib/$arch/openblas-openmp:$PREFIX/usr/lib/$arch:$PREFIX/lib/$arch"  # zlib1g: /lib
  say "deps:     $(ls .gpu-debs/*.deb | wc -l) .deb files unpacked in $PREFIX"
else
  RUN_LIBS=""
  say "deps:     no .gpu-debs/ here: the system's packages (scripts/deps.sh)"
fi
with_libs() { LD_LIBRARY_PATH="$RUN_LIBS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$@"; }

# ---- 3. configure ---------------------------------------------------------------------
# shellcheck disable=SC2086  # EXTRA_CMAKE_ARGS is a list of words
timeout "$(timeout_for 120 400)" cmake -S . -B "$BUILD" "${cmake_args[@]}" ${EXTRA_CMAKE_ARGS:-} \
  > "$REPORT/configure.log" 2>&1 || { tail -n 40 "$REPORT/configure.log"; finish "CONFIGURE FAILED (configure.log)" 3; }
grep "rill:" "$REPORT/configure.log" | tee -a "$SUMMARY"
# Where CMake found each package: inside the prefix when one was unpacked.
found=$(grep -E "^(OpenBLAS_DIR|fmt_DIR|Catch2_DIR|CLI11_DIR|nlohmann_json_DIR|PNG_LIBRARY_RELEASE|PNG_PNG_INCLUDE_DIR|ZLIB_LIBRARY_RELEASE|ZLIB_INCLUDE_DIR):" \
  "$BUILD/CMakeCache.txt" | sed 's/:[A-Z]*=/ = /')
echo "$found" | sed 's/^/found:    /' | tee -a "$SUMMARY"
if [ -n "$PREFIX" ]; then
  outside=$(echo "$found" | grep -v " = $PREFIX/" || true)
  if [ -n "$outside" ]; then
    say "NOT FROM THE PREFIX: $(echo "$outside" | tr '\n' ';')"
    [ "${REQUIRE_PREFIX:-0}" = 1 ] && finish "CONFIGURE USED THE SYSTEM'S PACKAGES" 3
  fi
fi

# ---- 4. build -------------------------------------------------------------------------
build_start=$SECONDS
# with_libs: the build runs the test programs (Catch2's test discovery lists their cases).
if ! with_libs timeout "$(timeout_for "${BUILD_TIMEOUT:-330}" 170)" cmake --build "$BUILD" -j "$JOBS" > "$REPORT/build.log" 2>&1; then
  grep -E "error|Error" "$REPORT/build.log" | head -n 30
  tail -n 30 "$REPORT/build.log"
  finish "BUILD FAILED or timed out (build.log)" 4
fi
# nvcc's own warnings for rill's .cu files ("file.cu(12): warning #..."), and the host compiler's.
say "build:    $((SECONDS - build_start)) s, $JOBS jobs; warnings: $(grep -c "warning" "$REPORT/build.log")"

# Where the programs find their libraries (the prefix's, when one was unpacked).
libs=$(with_libs ldd "$BUILD/tests/rill_tests" | grep -E "openblas|fmt|png|libz|gfortran|gomp|cudart|cublas|not found" |
  sed -E 's/^\s+//; s/ \(0x[0-9a-f]+\)$//')
echo "$libs" | sed 's/^/library:  /' | tee -a "$SUMMARY"
grep -q "not found" <<< "$libs" && finish "LIBRARIES NOT FOUND (the library: lines)" 3
if [ -n "$PREFIX" ] && [ "${REQUIRE_PREFIX:-0}" = 1 ]; then
  grep -E "openblas|fmt|png|libz|gfortran" <<< "$libs" | grep -qv "=> $PREFIX/" && finish "A LIBRARY CAME FROM THE SYSTEM, NOT THE PREFIX" 3
fi

# ---- 5. the GPU, or stop here ---------------------------------------------------------
[ "$gpu_ok" = 1 ] || finish "NO CUDA DEVICE: built, but nothing here can check the CUDA backend" 2
status=0

# ---- 6. tests: all of them; a skipped CUDA test is a failure here (judge_tests) ------
# One OpenMP thread per test process (tests/CMakeLists.txt); -j $JOBS processes share the GPU.
with_libs "$BUILD/tests/rill_device_tests" --list-test-names-only 2>/dev/null | grep . > "$BUILD/cuda_test_names.txt"
with_libs timeout "$(timeout_for 200 110)" ctest --test-dir "$BUILD" -j "$JOBS" --timeout 150 --output-on-failure \
  > "$REPORT/ctest.log" 2>&1 || status=1
judge_tests "$REPORT/ctest.log" "$BUILD/cuda_test_names.txt" || status=1

# ---- 7. the examples' loss curves, CPU and CUDA side by side ---------------------------
# Same seed and data on both devices: only float rounding differs. Over a few steps the
# losses agree to 1e-3 relative (tests/cuda/test_device_examples.cpp); over these longer
# runs the rounding differences in the weights grow, so a curve that follows the CPU's is
# held to 2e-2 per step, and the largest difference is reported either way.
curves="$BUILD/curves"
rm -rf "$curves"
mkdir -p "$curves"
python3 - "$curves/mnist_data" << 'EOF'   # a small MNIST-format set (IDX): blurred dots, one place per class
import os, struct, sys
d = sys.argv[1]; os.makedirs(d, exist_ok=True)
n = 512
img, lab = bytearray(), bytearray()
for i in range(n):
    c = i % 10; cy, cx = 6 + 16 * (c // 5) + i % 3, 4 + 5 * (c % 5) + i % 2
    img += bytes(min(255, int(255 * 2.0 ** -(((y - cy) ** 2 + (x - cx) ** 2) / 8.0))) for y in range(28) for x in range(28))
    lab.append(c)
for split in ("train", "t10k"):
    open(f"{d}/{split}-images-idx3-ubyte", "wb").write(struct.pack(">IIII", 0x803, n, 28, 28) + img)
    open(f"{d}/{split}-labels-idx1-ubyte", "wb").write(struct.pack(">II", 0x801, n) + lab)
EOF
run_curve() {  # name, device, command...
  local name=$1 device=$2
  shift 2
  with_libs timeout "$(timeout_for 60 70)" "$@" --device "$device" --out "$curves/$name-$device" > "$curves/$name-$device.log" 2>&1 ||
    { say "curve $name on $device FAILED: $(tail -n 3 "$curves/$name-$device.log" | tr '\n' ' ')"; return 1; }
}
echo "example,step,loss_cpu,loss_cuda,relative_difference" > "$REPORT/curves.csv"
for example in toy2d mnist; do
  if [ "$example" = toy2d ]; then
    cmd=("$BUILD/examples/toy2d" --steps 200 --batch 256 --threads 8 --samples 512)
  else
    cmd=("$BUILD/examples/image_flow" --preset mnist --data "$curves/mnist_data" --steps 40 --batch 32 --samples 16
         --nfe 10 --conditional --threads 8)
  fi
  run_curve "$example" cpu "${cmd[@]}" && run_curve "$example" cuda "${cmd[@]}" || { status=1; continue; }
  # metrics.csv: step,loss,lr,time. The largest relative difference of the two loss columns.
  worst=$(join -t, <(tail -n +2 "$curves/$example-cpu/metrics.csv" | cut -d, -f1,2 | sort -t, -k1,1) \
                   <(tail -n +2 "$curves/$example-cuda/metrics.csv" | cut -d, -f1,2 | sort -t, -k1,1) |
    sort -t, -k1,1n | awk -F, -v ex="$example" -v csv="$REPORT/curves.csv" '
      { d = $2 - $3; d = d < 0 ? -d : d; s = $2 < 0 ? -$2 : $2; r = d / (s > 1e-12 ? s : 1e-12)
        printf "%s,%s,%s,%s,%.3g\n", ex, $1, $2, $3, r >> csv; if (r > w) w = r; n++ }
      END { printf "%d steps, largest relative difference %.3g", n, w }')
  say "curve $example: $worst"
  [ "${worst%% *}" -gt 0 ] || { say "curve $example: no common steps in the two metrics.csv"; status=1; }
  awk -v w="${worst##* }" 'BEGIN { exit !(w <= 2e-2) }' ||
    { say "curve $example: the CUDA loss curve leaves the CPU's (more than 2e-2 relative)"; status=1; }
done

# ---- 8. benchmark: rill on the GPU, then PyTorch on the same GPU, with the ratios -------
bench="$BUILD/bench/bench_cuda_train_step"
: > "$REPORT/bench.log"
for tf32 in "" --tf32; do
  echo "== rill ${tf32:-float32}" >> "$REPORT/bench.log"
  with_libs timeout "$(timeout_for 60 25)" "$bench" $tf32 > "$BUILD/bench$tf32.log" 2>&1 || echo "(rill benchmark failed or timed out)" >> "$BUILD/bench$tf32.log"
  cat "$BUILD/bench$tf32.log" >> "$REPORT/bench.log"
  echo "== PyTorch ${tf32:-float32}" >> "$REPORT/bench.log"
  timeout "$(timeout_for 60 10)" python3 bench/pytorch_reference.py --device cuda $tf32 "$BUILD/bench$tf32.log" \
    >> "$REPORT/bench.log" 2>&1 || echo "(PyTorch reference failed or timed out)" >> "$REPORT/bench.log"
done
grep -E "^== | ms$| MiB$|ratio|failed" "$REPORT/bench.log" | sed 's/^/bench:    /' | tee -a "$SUMMARY"

[ "$status" -eq 0 ] && finish "ALL PASSED" 0
tail -n 150 "$REPORT/ctest.log" > /dev/stderr
finish "FAILED (see summary.txt, ctest.log, curves.csv)" 1
