// rill CUDA — reductions (sum, mean, max, min, argmax, var) and softmax.
//
// reduce: x [outer, n, inner] -> out [outer, inner], reducing along n (below).
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

// Output (o, j) reduces the n values x[o, k, j], k = 0..n-1, at stride `inner`.
// Two kernels: a whole block per output, for long reductions (rows, or few long
// columns), and a thread per output, for many short columns (neighbouring threads read
// neighbouring columns, so the loads coalesce).

// One block per output; its threads fold strided parts of the n values, block_reduce
// combines them (a fixed order: reproducible, equal to the CPU's in-order sum to rounding).
template <typename T, typename O>
__global__ void reduce_block_kernel(ReduceOp op, const T* x, O* out, int64_t n, int64_t inner, int64_t correction) {
  using Acc = acc_t<T>;
  const int64_t o = blockIdx.x / inner, j = blockIdx.x % inner;
  const T* line = x + o * n * inner + j;  // element k at line[k * inner]
  O& result = out[blockIdx.x];
  const int64_t start = threadIdx.x, step = blockDim.x;
  if (op == ReduceOp::Max || op == ReduceOp::Min || op == ReduceOp::Argmax) {
    const bool want_max = op != ReduceOp::Min;
    Best<T> best{T(0), -1};
    for (int64_t k = start; k < n; k += step) best = better<T>(best, Best<T>{line[k * inner], k}, want_max);
    best = block_reduce(best, [want_max](Best<T> a, Best<T> b) { return better<T>(a, b, want_max); });
    if (threadIdx.x == 0) result = op == ReduceOp::Argmax ? static_cast<O>(best.index) : static_cast<O>(best.value);
    return;
  }
  Acc sum = 0;
  for (int64_t k = start; k < n; k += step) sum += line[k * inner];
  sum = block_sum(sum);
  if (op == ReduceOp::Sum || op == ReduceOp::Mean) {
    if (threadIdx.x == 0) result = static_cast<O>(op == ReduceOp::Sum ? sum : sum / static_cast<Acc>(n));
    return;
  }
  // Var, two passes like the CPU: mean first, then the sum of squared deviations.
  const Acc mean = sum / static_cast<Acc>(n);
  Acc ss = 0;
  for (int64_t k = start; k < n; k += step) ss += (line[k * inner] - mean) * (line[k * inner] - mean);
  ss = block_sum(ss);
  if (threadIdx.x == 0) result = static_cast<O>(ss / static_cast<Acc>(n - correction));
}

// One thread per output, folding its n values in index order: the CPU's reduce_row.
template <typename T, typename O>
__global__ void reduce_thread_kernel(ReduceOp op, const T* x, O* out, int64_t outer, int64_t n, int64_t inner,
                                     int64_t correction) {
  using Acc = acc_t<T>;
  RILL_CUDA_FOR(oj, outer * inner) {
    const T* line = x + oj / inner * n * inner + oj % inner;  // element k at line[k * inner]
    Acc result = 0;
    if (op == ReduceOp::Max || op == ReduceOp::Min || op == ReduceOp::Argmax) {
      // NaN wins; ties keep the first index.
      const bool want_max = op != ReduceOp::Min;
      int64_t best = 0;
      for (int64_t k = 1; k < n; ++k) {
        const T b = line[best * inner], v = line[k * inner];
        if (b != b) break;
        if (v != v || (want_max ? v > b : v < b)) best = k;
      }
      result = op == ReduceOp::Argmax ? static_cast<Acc>(best) : static_cast<Acc>(line[best * inner]);
    } else {
      for (int64_t k = 0; k < n; ++k) result += line[k * inner];
      if (op != ReduceOp::Sum) result /= static_cast<Acc>(n);
      if (op == ReduceOp::Var) {
        const Acc mean = result;
        Acc ss = 0;
        for (int64_t k = 0; k < n; ++k) ss += (line[k * inner] - mean) * (line[k * inner] - mean);
        result = ss / static_cast<Acc>(n - correction);
      }
    }
    out[oj] = static_cast<O>(result);
  }
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

void CudaBackend::reduce(ReduceOp op, const Tensor& x, const Tensor& out, int64_t outer, int64_t n, int64_t inner,
                         int64_t correction) {
  const int64_t outputs = outer * inner;
  if (outputs == 0) return;
  // A block per output when there are few outputs to share the GPU among, or rows.
  const bool block_per_output = inner == 1 || (outputs < 4096 && n >= 256);
  RILL_CHECK(!block_per_output || outputs < INT32_MAX, "reduce: {} outputs exceed the CUDA grid", outputs);
  dispatch(x.dtype(), "reduce", [&]<typename T>() {
    dispatch(out.dtype(), "reduce", [&]<typename O>() {
      if (block_per_output)
        reduce_block_kernel<T, O><<<static_cast<unsigned>(outputs), kThreads, 0, stream()>>>(op, ptr<T>(x), ptr<O>(out), n,
                                                                                            inner, correction);
      else
        reduce_thread_kernel<T, O><<<blocks_for(outputs), kThreads, 0, stream()>>>(op, ptr<T>(x), ptr<O>(out), outer, n,
                                                                                   inner, correction);
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
