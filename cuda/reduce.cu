// rill CUDA — reductions (sum, mean, max, min, argmax, var) and softmax.
//
// Both take the ops layer's form (tensor/reduce.cpp): a contiguous x [outer, n, inner],
// reduced or normalised along n. Each of the outer * inner "lines" x[o, :, j] (element k
// at x[(o * n + k) * inner + j]) gives one output. tensor/cpu/reduce.cpp is the
// specification; the GPU computes the same values in another order (trees instead of
// loops), equal to rounding.
//
// reduce runs two kernels. A fold kernel turns each line, or each of `pieces` consecutive
// pieces of a long line, into a partial result (a sum, or the best value and its index);
// the finish kernel combines each line's partials in piece order and writes the output
// (Mean divides by n, Var by n - correction, Argmax keeps the index). The fold's geometry
// follows the shape, so that neither tiny rows nor one huge line leave the GPU idle:
//   columns (inner > 1):          a thread per (line, piece); neighbouring threads take
//                                 neighbouring columns, so a warp's loads are one
//                                 coalesced segment of a row of x;
//   short rows (inner == 1, n <= 16): a thread per row (a warp would idle);
//   rows up to 1024 (inner == 1): a warp per row, 8 rows per block, lanes on neighbouring
//                                 elements (coalesced), combined by warp shuffles;
//   longer rows (inner == 1):     a block per (row, piece), rows cut into pieces until
//                                 about kTargetBlocks blocks run: a full sum of 10^8
//                                 values runs on 1024 blocks, not on one.
// Pieces are never shorter than a minimum (kMinThreadPiece, kMinBlockPiece values), so a
// piece's work outweighs its share of the second kernel. The number of pieces depends on
// the shape alone, and every combination happens in a fixed order, so results are the
// same on every run and on every GPU.
//
// softmax normalises each line: a warp per row up to 1024 values, a block per longer row,
// and for columns (inner > 1) a thread per column (coalesced, as above).
#include <algorithm>
#include <cmath>

#include "cuda/block_reduce.cuh"
#include "cuda/cuda_backend.h"
#include "cuda/loops.cuh"

namespace rill::cuda {
namespace {

constexpr int64_t kTargetBlocks = 1024;                       // ~8 blocks per SM on a 132-SM H200
constexpr int64_t kTargetThreads = kTargetBlocks * kThreads;  // the same in threads
constexpr int64_t kMinThreadPiece = 64;                       // values per thread piece, at least
constexpr int64_t kMinBlockPiece = 16 * kThreads;             // values per block piece: 16 per thread
constexpr int64_t kWarpRowMax = 1024;                         // longest row given to a warp: 32 values a lane
constexpr int64_t kThreadRowMax = 16;                         // longest row given to a single thread

// ---- what a reduction folds ---------------------------------------------------------------

// A candidate for max / min / argmax: a value and its index in the line (-1: none yet).
template <typename T>
struct Best {
  T value;
  int64_t index;
};

// Each member through block_reduce.cuh's shuffle of built-in types.
template <typename T>
__device__ Best<T> shuffle_xor(Best<T> b, int mask) {
  return {cuda::shuffle_xor(b.value, mask), cuda::shuffle_xor(b.index, mask)};
}

// The better of two candidates: NaN wins (it propagates, as in PyTorch), then the larger
// (smaller) value, and on ties the lower index: the CPU's "first" extremum. Symmetric in
// a and b, so any order of combination picks the same candidate.
template <typename T>
__device__ Best<T> better(Best<T> a, Best<T> b, bool want_max) {
  if (a.index < 0) return b;
  if (b.index < 0) return a;
  const bool a_nan = a.value != a.value, b_nan = b.value != b.value;
  if (a_nan || b_nan) return a_nan && (!b_nan || a.index < b.index) ? a : b;
  if (a.value == b.value) return a.index < b.index ? a : b;
  return (want_max ? b.value > a.value : b.value < a.value) ? b : a;
}

// Sum, Mean (and the first pass of Var): Part = the sum in acc_t<T> (double for float32).
// With `center` (Var's second pass): the sum of (x - center[line])^2.
template <typename T>
struct SumFold {
  using Part = acc_t<T>;
  const acc_t<T>* center = nullptr;
  __device__ Part identity() const { return 0; }
  __device__ Part enter(Part part, T value, int64_t /*k*/, int64_t line) const {
    if (center == nullptr) return part + value;
    const Part d = value - center[line];
    return part + d * d;
  }
  __device__ Part combine(Part a, Part b) const { return a + b; }
};

// Max, Min, Argmax: Part = the best candidate so far.
template <typename T>
struct BestFold {
  using Part = Best<T>;
  bool want_max = true;
  __device__ Part identity() const { return {T(0), -1}; }
  __device__ Part enter(Part part, T value, int64_t k, int64_t /*line*/) const {
    return better<T>(part, Part{value, k}, want_max);
  }
  __device__ Part combine(Part a, Part b) const { return better<T>(a, b, want_max); }
};

// The output of a line from its combined partial result.
template <typename O, typename P>
__device__ O finish_value(ReduceOp op, P sum, int64_t n, int64_t correction) {
  if (op == ReduceOp::Mean) return static_cast<O>(sum / static_cast<P>(n));
  if (op == ReduceOp::Var) return static_cast<O>(sum / static_cast<P>(n - correction));
  return static_cast<O>(sum);
}
template <typename O, typename T>
__device__ O finish_value(ReduceOp op, Best<T> best, int64_t /*n*/, int64_t /*correction*/) {
  return op == ReduceOp::Argmax ? static_cast<O>(best.index) : static_cast<O>(best.value);
}

// ---- the fold kernels: partial results parts[line * pieces + piece] -----------------------

// Element k of the line at x[line_start(...) + k * inner].
__device__ int64_t line_start(int64_t line, int64_t n, int64_t inner) {
  return line / inner * n * inner + line % inner;
}

// Thread t folds piece t / lines of line t % lines (neighbouring threads: neighbouring
// lines), its values in index order, as the CPU does.
template <typename T, typename F>
__global__ void fold_thread_kernel(F fold, const T* x, int64_t lines, int64_t n, int64_t inner, int64_t pieces,
                                   int64_t chunk, typename F::Part* parts) {
  RILL_CUDA_FOR(t, lines * pieces) {
    const int64_t line = t % lines, piece = t / lines;
    const T* v = x + line_start(line, n, inner);
    const int64_t end = min(n, (piece + 1) * chunk);
    typename F::Part p = fold.identity();
    for (int64_t k = piece * chunk; k < end; ++k) p = fold.enter(p, v[k * inner], k, line);
    parts[line * pieces + piece] = p;
  }
}

// Rows (inner == 1): warp w of the grid folds rows w, w + warps, ...; lane l takes
// elements l, l + 32, ... and the warp combines its lanes.
template <typename T, typename F>
__global__ void fold_warp_kernel(F fold, const T* x, int64_t rows, int64_t n, typename F::Part* parts) {
  const int lane = threadIdx.x % kWarp;
  const int64_t warps = static_cast<int64_t>(gridDim.x) * (kThreads / kWarp);
  // The loop bound is the same for the 32 lanes of a warp, as warp_reduce requires.
  for (int64_t row = (static_cast<int64_t>(blockIdx.x) * kThreads + threadIdx.x) / kWarp; row < rows; row += warps) {
    const T* v = x + row * n;
    typename F::Part p = fold.identity();
    for (int64_t k = lane; k < n; k += kWarp) p = fold.enter(p, v[k], k, row);
    p = warp_reduce(p, [fold](typename F::Part a, typename F::Part b) { return fold.combine(a, b); });
    if (lane == 0) parts[row] = p;
  }
}

// Block b of the grid folds (line, piece) pairs b, b + gridDim.x, ...: its threads take
// strided values of the piece's chunk and block_reduce combines them.
template <typename T, typename F>
__global__ void fold_block_kernel(F fold, const T* x, int64_t lines, int64_t n, int64_t inner, int64_t pieces,
                                  int64_t chunk, typename F::Part* parts) {
  // The loop bound is the same for the whole block, as block_reduce requires.
  for (int64_t b = blockIdx.x; b < lines * pieces; b += gridDim.x) {
    const int64_t line = b / pieces, begin = b % pieces * chunk, end = min(n, begin + chunk);
    const T* v = x + line_start(line, n, inner);
    typename F::Part p = fold.identity();
    for (int64_t k = begin + threadIdx.x; k < end; k += kThreads) p = fold.enter(p, v[k * inner], k, line);
    p = block_reduce(p, [fold](typename F::Part a, typename F::Part b) { return fold.combine(a, b); });
    if (threadIdx.x == 0) parts[b] = p;
  }
}

// Thread per line: combines parts[line * pieces + 0 .. pieces) in order, writes out[line].
template <typename O, typename F>
__global__ void finish_kernel(ReduceOp op, F fold, const typename F::Part* parts, int64_t lines, int64_t pieces,
                              int64_t n, int64_t correction, O* out) {
  RILL_CUDA_FOR(line, lines) {
    typename F::Part p = parts[line * pieces];
    for (int64_t s = 1; s < pieces; ++s) p = fold.combine(p, parts[line * pieces + s]);
    out[line] = finish_value<O>(op, p, n, correction);
  }
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Pieces per line: enough for `target` workers in all, none shorter than `min_piece`.
int64_t pieces_for(int64_t lines, int64_t n, int64_t target, int64_t min_piece) {
  const int64_t wanted = ceil_div(target, lines), most = n / min_piece;
  return std::max<int64_t>(1, std::min(wanted, most));
}

// out[line] = op over line `line` of x [outer, n, inner], by `fold`, with the geometry above.
template <typename T, typename O, typename F>
void reduce_lines(ReduceOp op, F fold, const T* x, O* out, int64_t outer, int64_t n, int64_t inner, int64_t correction,
                  Device device) {
  using Part = typename F::Part;
  const int64_t lines = outer * inner;
  int64_t pieces = 1;
  enum { ThreadPerPiece, WarpPerRow, BlockPerPiece } geometry;
  if (inner > 1) {
    geometry = ThreadPerPiece;
    pieces = pieces_for(lines, n, kTargetThreads, kMinThreadPiece);
  } else if (n <= kThreadRowMax) {
    geometry = ThreadPerPiece;
  } else if (n <= kWarpRowMax) {
    geometry = WarpPerRow;
  } else {
    geometry = BlockPerPiece;
    pieces = pieces_for(lines, n, kTargetBlocks, kMinBlockPiece);
  }
  const int64_t chunk = ceil_div(n, pieces);
  // The partial results, as raw device memory: Part may be a struct (Best<T>, 16 bytes).
  const int64_t words = ceil_div(lines * pieces * static_cast<int64_t>(sizeof(Part)), 8);
  const Tensor storage = Tensor::empty({words}, {DType::Int64, device});
  Part* parts = static_cast<Part*>(storage.raw_data());
  switch (geometry) {
    case ThreadPerPiece:
      fold_thread_kernel<T, F>
          <<<blocks_for(lines * pieces), kThreads, 0, stream()>>>(fold, x, lines, n, inner, pieces, chunk, parts);
      break;
    case WarpPerRow:
      fold_warp_kernel<T, F>
          <<<grid_of(ceil_div(lines, kThreads / kWarp)), kThreads, 0, stream()>>>(fold, x, lines, n, parts);
      break;
    case BlockPerPiece:
      fold_block_kernel<T, F>
          <<<grid_of(lines * pieces), kThreads, 0, stream()>>>(fold, x, lines, n, inner, pieces, chunk, parts);
      break;
  }
  RILL_CUDA_CHECK_LAUNCH("reduce");
  finish_kernel<O, F><<<blocks_for(lines), kThreads, 0, stream()>>>(op, fold, parts, lines, pieces, n, correction, out);
  RILL_CUDA_CHECK_LAUNCH("reduce");
}

// ---- softmax ----------------------------------------------------------------------------

// Rows (inner == 1) of x, out [rows, n]: a group of kGroup threads per row (a warp, or the
// whole block), each thread taking elements lane, lane + kGroup, ... Three passes over the
// row: its max, the sum of exp(x - max), the outputs; the CPU's algorithm.
template <int kGroup, typename T>
__global__ void softmax_rows_kernel(SoftmaxOp op, const T* x, T* out, int64_t rows, int64_t n) {
  using Acc = acc_t<T>;
  constexpr int kGroupsPerBlock = kThreads / kGroup;
  const int lane = threadIdx.x % kGroup;
  const int64_t groups = static_cast<int64_t>(gridDim.x) * kGroupsPerBlock;
  // The loop bound is the same for every thread of a group, as group_reduce requires.
  for (int64_t r = static_cast<int64_t>(blockIdx.x) * kGroupsPerBlock + threadIdx.x / kGroup; r < rows; r += groups) {
    const T* row = x + r * n;
    // Subtract the max before exponentiating: exp(x - m) <= 1 never overflows. A NaN never
    // becomes the max (NaN > m is false), as on the CPU; it propagates through the sum.
    T m = -INFINITY;
    for (int64_t i = lane; i < n; i += kGroup) m = row[i] > m ? row[i] : m;
    m = group_reduce<kGroup>(m, [](T a, T b) { return b > a ? b : a; });
    const T shift = isfinite(m) ? m : T(0);
    Acc sum = 0;
    for (int64_t i = lane; i < n; i += kGroup) sum += exp(static_cast<Acc>(row[i] - shift));
    sum = group_sum<kGroup>(sum);
    const T log_sum = static_cast<T>(log(sum));
    if (op == SoftmaxOp::LogSumExp) {
      if (lane == 0) out[r] = shift + log_sum;  // logsumexp(x) = m + log sum exp(x - m)
      continue;
    }
    T* out_row = out + r * n;
    for (int64_t i = lane; i < n; i += kGroup) {
      const T z = row[i] - shift;
      // softmax = exp(z) / sum;  log_softmax = z - log(sum)
      out_row[i] = op == SoftmaxOp::Softmax ? static_cast<T>(exp(static_cast<Acc>(z)) / sum) : z - log_sum;
    }
  }
}

// Columns (inner > 1) of x, out [outer, n, inner]: thread (o, j) normalises x[o, :, j];
// neighbouring threads read neighbouring columns, so every load is coalesced.
template <typename T>
__global__ void softmax_columns_kernel(SoftmaxOp op, const T* x, T* out, int64_t outer, int64_t n, int64_t inner) {
  using Acc = acc_t<T>;
  RILL_CUDA_FOR(oj, outer * inner) {
    const int64_t o = oj / inner, j = oj % inner;
    const T* row = x + o * n * inner + j;
    T m = -INFINITY;
    for (int64_t i = 0; i < n; ++i) m = row[i * inner] > m ? row[i * inner] : m;
    const T shift = isfinite(m) ? m : T(0);
    Acc sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += exp(static_cast<Acc>(row[i * inner] - shift));
    const T log_sum = static_cast<T>(log(sum));
    if (op == SoftmaxOp::LogSumExp) {
      out[o * inner + j] = shift + log_sum;
      continue;
    }
    T* out_row = out + o * n * inner + j;
    for (int64_t i = 0; i < n; ++i) {
      const T z = row[i * inner] - shift;
      out_row[i * inner] = op == SoftmaxOp::Softmax ? static_cast<T>(exp(static_cast<Acc>(z)) / sum) : z - log_sum;
    }
  }
}

}  // namespace

void CudaBackend::reduce(ReduceOp op, const Tensor& x, const Tensor& out, int64_t outer, int64_t n, int64_t inner,
                         int64_t correction) {
  if (outer * inner == 0) return;
  dispatch(x.dtype(), "reduce", [&]<typename T>() {
    dispatch(out.dtype(), "reduce", [&]<typename O>() {
      if (op == ReduceOp::Max || op == ReduceOp::Min || op == ReduceOp::Argmax) {
        reduce_lines<T, O>(op, BestFold<T>{op != ReduceOp::Min}, ptr<T>(x), ptr<O>(out), outer, n, inner, correction,
                           x.device());
      } else if (op == ReduceOp::Var) {
        // Two passes, as on the CPU: the means, then the sums of squared deviations from them.
        using Acc = acc_t<T>;
        const Tensor means = Tensor::empty({outer * inner}, {dtype_v<Acc>, x.device()});
        reduce_lines<T, Acc>(ReduceOp::Mean, SumFold<T>{}, ptr<T>(x), ptr<Acc>(means), outer, n, inner, correction,
                             x.device());
        reduce_lines<T, O>(op, SumFold<T>{ptr<Acc>(means)}, ptr<T>(x), ptr<O>(out), outer, n, inner, correction,
                           x.device());
      } else {
        reduce_lines<T, O>(op, SumFold<T>{}, ptr<T>(x), ptr<O>(out), outer, n, inner, correction, x.device());
      }
    });
  });
}

void CudaBackend::softmax(SoftmaxOp op, const Tensor& x, const Tensor& out, int64_t outer, int64_t n, int64_t inner) {
  if (outer * inner == 0) return;
  dispatch_float(x.dtype(), "softmax", [&]<typename T>() {
    if (inner > 1)
      softmax_columns_kernel<T>
          <<<blocks_for(outer * inner), kThreads, 0, stream()>>>(op, ptr<T>(x), ptr<T>(out), outer, n, inner);
    else if (n <= kWarpRowMax)  // 8 rows per block
      softmax_rows_kernel<kWarp, T>
          <<<grid_of(ceil_div(outer, kThreads / kWarp)), kThreads, 0, stream()>>>(op, ptr<T>(x), ptr<T>(out), outer, n);
    else  // a block per row
      softmax_rows_kernel<kThreads, T><<<grid_of(outer), kThreads, 0, stream()>>>(op, ptr<T>(x), ptr<T>(out), outer, n);
    RILL_CUDA_CHECK_LAUNCH("softmax");
  });
}

}  // namespace rill::cuda
