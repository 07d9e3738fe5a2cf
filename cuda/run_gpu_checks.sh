#!/usr/bin/env bash
# The one script to run on a machine with an NVIDIA GPU (issue 7): build rill with the
# CUDA backend, run the whole test suite (the "(cuda)" cases now run instead of being
# skipped), then the GPU benchmark next to PyTorch. Prints everything; about 5-10
# minutes on 16 cores. Usage, from anywhere:
#
#     bash cuda/run_gpu_checks.sh            # BUILD=build-gpu JOBS=$(nproc) by default
#
# Exit status: non-zero when the build or a test fails (the benchmark never fails it).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-gpu}
JOBS=${JOBS:-$(nproc)}
status=0
# The CUDA toolkit's usual home, in case nvcc is not on PATH.
command -v nvcc > /dev/null || export PATH="$PATH:/usr/local/cuda/bin"

echo "== GPU"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 || echo "(nvidia-smi not available)"

echo "== configure and build ($BUILD, $JOBS jobs)"
cmake -S . -B "$BUILD" -DRILL_CUDA=ON -DCMAKE_BUILD_TYPE=Release > "$BUILD.configure.log" 2>&1 \
  || { cat "$BUILD.configure.log"; exit 1; }
grep "rill:" "$BUILD.configure.log"
timeout 300 cmake --build "$BUILD" -j "$JOBS" > "$BUILD.build.log" 2>&1 \
  || { tail -n 60 "$BUILD.build.log"; echo "BUILD FAILED"; exit 1; }
echo "built"

echo "== tests (all of them; CUDA cases must not be skipped here)"
timeout 240 ctest --test-dir "$BUILD" -j "$JOBS" --timeout 200 --output-on-failure > "$BUILD.ctest.log" 2>&1 || status=1
grep -E "tests passed|tests failed|Total Test time" "$BUILD.ctest.log"
grep -E "\*\*\*Failed|\*\*\*Timeout|\*\*\*Exception|Not Run" "$BUILD.ctest.log" | head -n 40
skipped=$(grep -c "(Skipped)" "$BUILD.ctest.log" || true)
echo "skipped tests: $skipped (expected 0 on a GPU machine)"
if [ "$status" -ne 0 ]; then
  echo "-- failure details (last 150 lines of $BUILD.ctest.log):"
  tail -n 150 "$BUILD.ctest.log"
fi

echo "== benchmark: rill on the GPU, then PyTorch on the same GPU, with the ratios"
bench="$BUILD/bench/bench_cuda_train_step"
timeout 150 "$bench" 2>&1 | tee "$BUILD.bench.log" || echo "(rill benchmark failed)"
if python3 -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
  timeout 150 python3 bench/pytorch_reference.py --device cuda "$BUILD.bench.log" || echo "(PyTorch reference failed)"
else
  echo "(no PyTorch with CUDA here: no ratios)"
fi
echo "== done (status $status)"
exit $status
