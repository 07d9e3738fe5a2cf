// rill CPU — reductions (sum, mean, max, min, argmax, var) and softmax.
//
// The ops layer (tensor/reduce.cpp) brings every reduction into one form: a
// contiguous [outer, n, inner] block reduced along n. Two loops serve it:
//   inner == 1: each row of n is reduced by one thread (reduce_row);
//   inner  > 1: columns are reduced side by side, a strip of kStrip columns at a time,
//               reading x row after row (unit stride, vectorised), with no transposed copy.
// Every output element is accumulated by one thread in a fixed order (a column in index
// order of n; a row as the vector partial sums of an `omp simd` reduction, fixed at
// compile time), so results are identical for any thread count.
#include <algorithm>
#include <cmath>
#include <limits>

#include "tensor/cpu/cpu_backend.h"
#include "tensor/cpu/parallel.h"
#include "tensor/cpu/vecmath.h"

namespace rill {
namespace {

constexpr int64_t kStrip = 64;  // columns reduced together: accumulators stay in registers / L1

// One row x[0..K) -> one value, in acc_t<T> (double for float32, exact int64 for int64).
template <typename T>
acc_t<T> reduce_row(ReduceOp op, const T* x, int64_t K, int64_t correction) {
  using Acc = acc_t<T>;
  switch (op) {
    case ReduceOp::Sum:
    case ReduceOp::Mean: {
      Acc s = 0;  // (simd: partial sums side by side, see tensor/cpu/norm.cpp)
#pragma omp simd reduction(+ : s)
      for (int64_t k = 0; k < K; ++k) s += x[k];
      return op == ReduceOp::Sum ? s : s / static_cast<Acc>(K);
    }
    case ReduceOp::Max:
    case ReduceOp::Min:
    case ReduceOp::Argmax: {
      // NaN wins (it propagates, as in PyTorch); ties keep the first index.
      const bool want_max = op != ReduceOp::Min;
      int64_t best = 0;
      for (int64_t k = 1; k < K; ++k) {
        if (x[best] != x[best]) break;
        if (x[k] != x[k] || (want_max ? x[k] > x[best] : x[k] < x[best])) best = k;
      }
      return op == ReduceOp::Argmax ? static_cast<Acc>(best) : static_cast<Acc>(x[best]);
    }
    case ReduceOp::Var: {
      // Two passes: mean first, then the sum of squared deviations (stable, unlike E[x^2] - E[x]^2).
      Acc mean = 0;
#pragma omp simd reduction(+ : mean)
      for (int64_t k = 0; k < K; ++k) mean += x[k];
      mean /= static_cast<Acc>(K);
      Acc ss = 0;
#pragma omp simd reduction(+ : ss)
      for (int64_t k = 0; k < K; ++k) ss += (x[k] - mean) * (x[k] - mean);
      return ss / static_cast<Acc>(K - correction);
    }
  }
  return 0;
}

// Columns [0, width) of x (row stride `inner`, n rows) -> out[0, width), reduced along n.
// The same arithmetic as reduce_row, one column per lane.
template <typename T, typename O>
void reduce_columns(ReduceOp op, const T* x, int64_t n, int64_t inner, int64_t width, int64_t correction, O* out) {
  using Acc = acc_t<T>;
  Acc acc[kStrip];
  switch (op) {
    case ReduceOp::Sum:
    case ReduceOp::Mean:
    case ReduceOp::Var: {
      for (int64_t j = 0; j < width; ++j) acc[j] = 0;
      for (int64_t k = 0; k < n; ++k)
        for (int64_t j = 0; j < width; ++j) acc[j] += x[k * inner + j];
      if (op == ReduceOp::Sum) break;
      for (int64_t j = 0; j < width; ++j) acc[j] /= static_cast<Acc>(n);
      if (op == ReduceOp::Mean) break;
      Acc ss[kStrip] = {};  // Var: second pass over the squared deviations from the mean
      for (int64_t k = 0; k < n; ++k)
        for (int64_t j = 0; j < width; ++j) ss[j] += (x[k * inner + j] - acc[j]) * (x[k * inner + j] - acc[j]);
      for (int64_t j = 0; j < width; ++j) acc[j] = ss[j] / static_cast<Acc>(n - correction);
      break;
    }
    case ReduceOp::Max:
    case ReduceOp::Min:
    case ReduceOp::Argmax: {
      const bool want_max = op != ReduceOp::Min;
      int64_t best[kStrip] = {};
      for (int64_t k = 1; k < n; ++k)
        for (int64_t j = 0; j < width; ++j) {
          const T b = x[best[j] * inner + j], v = x[k * inner + j];
          if (b != b) continue;  // a NaN already won this column
          if (v != v || (want_max ? v > b : v < b)) best[j] = k;
        }
      for (int64_t j = 0; j < width; ++j)
        acc[j] = op == ReduceOp::Argmax ? static_cast<Acc>(best[j]) : static_cast<Acc>(x[best[j] * inner + j]);
      break;
    }
  }
  for (int64_t j = 0; j < width; ++j) out[j] = static_cast<O>(acc[j]);
}

}  // namespace

void CpuBackend::reduce(ReduceOp op, const Tensor& x, const Tensor& out, int64_t outer, int64_t n, int64_t inner,
                        int64_t correction) {
  dispatch(x.dtype(), "reduce", [&]<typename T>() {
    const T* px = static_cast<const T*>(x.raw_data());
    dispatch(out.dtype(), "reduce", [&]<typename O>() {
      O* po = static_cast<O*>(out.raw_data());
      if (inner == 1) {
#pragma omp parallel for schedule(static) if (outer > 1 && outer * n >= kParallelGrain)
        for (int64_t r = 0; r < outer; ++r) po[r] = static_cast<O>(reduce_row<T>(op, px + r * n, n, correction));
        return;
      }
      const int64_t strips = (inner + kStrip - 1) / kStrip;
#pragma omp parallel for schedule(static) if (outer * strips > 1 && outer * n * inner >= kParallelGrain)
      for (int64_t os = 0; os < outer * strips; ++os) {
        const int64_t o = os / strips, j0 = os % strips * kStrip;
        reduce_columns<T, O>(op, px + o * n * inner + j0, n, inner, std::min(kStrip, inner - j0), correction,
                             po + o * inner + j0);
      }
    });
  });
}

void CpuBackend::softmax(SoftmaxOp op, const Tensor& x, const Tensor& out, int64_t outer, int64_t n, int64_t inner) {
  dispatch_float(x.dtype(), "softmax", [&]<typename T>() {
    using Acc = acc_t<T>;
    const T* px = static_cast<const T*>(x.raw_data());
    T* po = static_cast<T*>(out.raw_data());
    // One (o, j) pair normalises the n elements x[o, :, j] (stride `inner`).
#pragma omp parallel for schedule(static) if (outer * inner > 1 && outer * n * inner >= kParallelGrain)
    for (int64_t oj = 0; oj < outer * inner; ++oj) {
      const int64_t o = oj / inner, j = oj % inner;
      const T* row = px + o * n * inner + j;
      // Subtract the max before exponentiating: exp(x - m) <= 1 never overflows.
      T m = -std::numeric_limits<T>::infinity();
      for (int64_t i = 0; i < n; ++i) m = row[i * inner] > m ? row[i * inner] : m;
      const T shift = std::isfinite(m) ? m : T(0);
      Acc sum = 0;  // (exp_vec: float32 exp in vector form, vecmath.h; z <= 0 here)
      for (int64_t i = 0; i < n; ++i) sum += cpu::exp_vec(row[i * inner] - shift);
      const T log_sum = static_cast<T>(std::log(sum));
      if (op == SoftmaxOp::LogSumExp) {
        po[o * inner + j] = shift + log_sum;  // logsumexp(x) = m + log sum exp(x - m)
        continue;
      }
      T* out_row = po + o * n * inner + j;
      for (int64_t i = 0; i < n; ++i) {
        const T z = row[i * inner] - shift;
        // softmax = exp(z) / sum;  log_softmax = z - log(sum)
        out_row[i * inner] = op == SoftmaxOp::Softmax ? static_cast<T>(cpu::exp_vec(z) / sum) : z - log_sum;
      }
    }
  });
}

}  // namespace rill
