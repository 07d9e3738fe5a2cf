// rill CUDA — reductions (sum, mean, max, min, argmax, var) and softmax.
//
// reduce_rows: x [R, K] -> out [R], one block per row; each thread folds a strided
// part of the row, then block_reduce combines the threads (a fixed order, so
// results are reproducible; they match the CPU's in-order sums to rounding).
// softmax: one thread per normalised slice, the CPU's algorithm line for line.
#include <cmath>

#include "cuda/block_reduce.cuh"
#include "cuda/cuda_backend.h"
#include "cuda/loops.cuh"

namespace rill::cuda {
namespace {

// A candidate for max / min / argmax: value and its index in the row (-1: none yet).
template <typename T>
struct Best {
  T value;
  int64_t index;
};

// The better of two candidates: NaN wins (it propagates, as in PyTorch), then the
// larger (smaller) value, and on ties the lower index: the CPU's "first" extremum.
template <typename T>
__device__ Best<T> better(Best<T> a, Best<T> b, bool want_max) {
  if (a.index < 0) return b;
  if (b.index < 0) return a;
  const bool a_nan = a.value != a.value, b_nan = b.value != b.value;
  if (a_nan || b_nan) return a_nan && (!b_nan || a.index < b.index) ? a : b;
  if (a.value == b.value) return a.index < b.index ? a : b;
  return (want_max ? b.value > a.value : b.value < a.value) ? b : a;
}

template <typename T, typename O>
__global__ void reduce_rows_kernel(ReduceOp op, const T* x, O* out, int64_t K, int64_t correction) {
  using Acc = acc_t<T>;
  const T* row = x + static_cast<int64_t>(blockIdx.x) * K;
  O& result = out[blockIdx.x];
  const int64_t start = threadIdx.x, step = blockDim.x;
  if (op == ReduceOp::Max || op == ReduceOp::Min || op == ReduceOp::Argmax) {
    const bool want_max = op != ReduceOp::Min;
    Best<T> best{T(0), -1};
    for (int64_t k = start; k < K; k += step) best = better<T>(best, Best<T>{row[k], k}, want_max);
    best = block_reduce(best, [want_max](Best<T> a, Best<T> b) { return better<T>(a, b, want_max); });
    if (threadIdx.x == 0) result = op == ReduceOp::Argmax ? static_cast<O>(best.index) : static_cast<O>(best.value);
    return;
  }
  Acc sum = 0;
  for (int64_t k = start; k < K; k += step) sum += row[k];
  sum = block_sum(sum);
  if (op == ReduceOp::Sum || op == ReduceOp::Mean) {
    if (threadIdx.x == 0) result = static_cast<O>(op == ReduceOp::Sum ? sum : sum / static_cast<Acc>(K));
    return;
  }
  // Var, two passes like the CPU: mean first, then the sum of squared deviations.
  const Acc mean = sum / static_cast<Acc>(K);
  Acc ss = 0;
  for (int64_t k = start; k < K; k += step) ss += (row[k] - mean) * (row[k] - mean);
  ss = block_sum(ss);
  if (threadIdx.x == 0) result = static_cast<O>(ss / static_cast<Acc>(K - correction));
}

// x, out: [outer, n, inner]; thread (o, j) normalises x[o, :, j] (stride inner).
template <typename T>
__global__ void softmax_kernel(SoftmaxOp op, const T* x, T* out, int64_t outer, int64_t n, int64_t inner) {
  using Acc = acc_t<T>;
  RILL_CUDA_FOR(oj, outer * inner) {
    const int64_t o = oj / inner, j = oj % inner;
    const T* row = x + o * n * inner + j;
    // Subtract the max before exponentiating: exp(x - m) <= 1 never overflows.
    T m = -INFINITY;
    for (int64_t i = 0; i < n; ++i) m = row[i * inner] > m ? row[i * inner] : m;
    const T shift = isfinite(m) ? m : T(0);
    Acc sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += exp(static_cast<Acc>(row[i * inner] - shift));
    const T log_sum = static_cast<T>(log(sum));
    if (op == SoftmaxOp::LogSumExp) {
      out[o * inner + j] = shift + log_sum;  // logsumexp(x) = m + log sum exp(x - m)
      continue;
    }
    T* out_row = out + o * n * inner + j;
    for (int64_t i = 0; i < n; ++i) {
      const T z = row[i * inner] - shift;
      // softmax = exp(z) / sum;  log_softmax = z - log(sum)
      out_row[i * inner] = op == SoftmaxOp::Softmax ? static_cast<T>(exp(static_cast<Acc>(z)) / sum) : z - log_sum;
    }
  }
}

}  // namespace

void CudaBackend::reduce_rows(ReduceOp op, const Tensor& x, const Tensor& out, int64_t correction) {
  const int64_t R = x.shape()[0], K = x.shape()[1];
  if (R == 0) return;
  RILL_CHECK(R < INT32_MAX, "reduce: {} rows exceed the CUDA grid", R);
  dispatch(x.dtype(), "reduce", [&]<typename T>() {
    dispatch(out.dtype(), "reduce", [&]<typename O>() {
      reduce_rows_kernel<T, O><<<static_cast<unsigned>(R), kThreads, 0, stream()>>>(op, ptr<T>(x), ptr<O>(out), K,
                                                                                    correction);
      RILL_CUDA_CHECK_LAUNCH("reduce");
    });
  });
}

void CudaBackend::softmax(SoftmaxOp op, const Tensor& x, const Tensor& out, int64_t outer, int64_t n,
                          int64_t inner) {
  if (outer * inner == 0) return;
  dispatch_float(x.dtype(), "softmax", [&]<typename T>() {
    softmax_kernel<T><<<blocks_for(outer * inner), kThreads, 0, stream()>>>(op, ptr<T>(x), ptr<T>(out), outer, n,
                                                                            inner);
    RILL_CUDA_CHECK_LAUNCH("softmax");
  });
}

}  // namespace rill::cuda
