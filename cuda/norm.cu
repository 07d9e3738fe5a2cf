// rill CUDA — group norm, layer norm and RMSNorm, forward and fused backward.
// Formulas: tensor/norm.h; algorithm: tensor/cpu/norm.cpp. Statistics accumulate in
// acc_t<T> (double for float32).
//
// Launch geometry. A group of threads normalises one group (n, g) of group norm or one row
// of layer norm, its threads striding over the elements and meeting in a warp or block
// reduction (block_reduce.cuh): a block of kThreads for group norm's groups (Cg * H * W
// values, thousands) and for layer-norm rows longer than 1024, a warp for shorter rows
// (8 rows per block; a block would leave most of its threads idle on a 64-wide row).
// Every kernel loops over its groups or rows with a grid stride and the grid is capped
// (grid_of), so any number of them works: N * groups or R beyond 2^31 - 1, CUDA's limit
// on gridDim.x, simply gives each block several.
#include <cmath>

#include "cuda/block_reduce.cuh"
#include "cuda/cuda_backend.h"
#include "cuda/loops.cuh"

namespace rill::cuda {
namespace {

template <typename T>
const T* ptr_or_null(const Tensor& t) {
  return t.defined() ? static_cast<const T*>(t.raw_data()) : nullptr;
}

constexpr int64_t kWarpRowMax = 1024;  // layer-norm rows up to this length go to a warp

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

template <typename Acc>
struct Moments {
  Acc mean, rstd;
};

// Mean and 1/sqrt(biased var + eps) of x[0..m), by a group of kGroup threads (this one
// is `lane` of them), two passes (stable).
template <int kGroup, typename T, typename Acc = acc_t<T>>
__device__ Moments<Acc> group_moments(const T* x, int64_t m, int lane, double eps) {
  Acc sum = 0;
  for (int64_t i = lane; i < m; i += kGroup) sum += x[i];
  const Acc mean = group_sum<kGroup>(sum) / static_cast<Acc>(m);
  Acc ss = 0;
  for (int64_t i = lane; i < m; i += kGroup) ss += (x[i] - mean) * (x[i] - mean);
  const Acc var = group_sum<kGroup>(ss) / static_cast<Acc>(m);
  return {mean, Acc(1) / sqrt(var + static_cast<Acc>(eps))};
}

// The rows (or groups) of this thread's group: r = first, first + stride, ..., for a
// group of kGroup threads, kThreads / kGroup groups per block. The same for every thread
// of a group, as the group reductions require.
template <int kGroup>
__device__ int64_t first_row() {
  return static_cast<int64_t>(blockIdx.x) * (kThreads / kGroup) + threadIdx.x / kGroup;
}
template <int kGroup>
__device__ int64_t row_stride() {
  return static_cast<int64_t>(gridDim.x) * (kThreads / kGroup);
}

// A block per group ng = (n, g), of N * groups: the Cg*S contiguous values of channels
// g*Cg.. of image n. x, y: [N, C, S]; mean, rstd: [N * groups].
template <typename T>
__global__ void group_norm_kernel(const T* x, const T* gamma, const T* beta, int64_t C, int64_t S, int64_t groups,
                                  int64_t NG, double eps, T* y, T* mean, T* rstd) {
  using Acc = acc_t<T>;
  const int64_t Cg = C / groups, m = Cg * S;
  for (int64_t ng = first_row<kThreads>(); ng < NG; ng += row_stride<kThreads>()) {
    const T* xg = x + ng * m;
    T* yg = y + ng * m;
    const Moments<Acc> mo = group_moments<kThreads, T>(xg, m, threadIdx.x, eps);
    if (threadIdx.x == 0) mean[ng] = static_cast<T>(mo.mean), rstd[ng] = static_cast<T>(mo.rstd);
    for (int64_t i = threadIdx.x; i < m; i += kThreads) {
      const int64_t c = (ng % groups) * Cg + i / S;
      // y = (x - mean) * rstd * gamma + beta = x * a + b
      const Acc a = mo.rstd * (gamma ? gamma[c] : T(1));
      const Acc b = (beta ? beta[c] : T(0)) - mo.mean * a;
      yg[i] = static_cast<T>(xg[i] * a + b);
    }
  }
}

// Group ng = (n, g), by the whole block: dx for the group, and per channel the sums
// sum_s dy and sum_s dy * xhat (written to sum_dy, sum_dy_xhat [N, C]) that dgamma and
// dbeta need.
template <typename T>
__device__ void group_norm_backward_group(const T* dy, const T* x, const T* mean, const T* rstd, const T* gamma,
                                          int64_t C, int64_t S, int64_t groups, int64_t ng, T* dx, acc_t<T>* sum_dy,
                                          acc_t<T>* sum_dy_xhat) {
  using Acc = acc_t<T>;
  const int64_t Cg = C / groups, start = ng * Cg * S;
  const Acc mu = mean[ng], r = rstd[ng];
  Acc mean_dxhat = 0, mean_dxhat_xhat = 0;
  for (int64_t cl = 0; cl < Cg; ++cl) {
    const int64_t c = (ng % groups) * Cg + cl, nc = ng / groups * C + c;
    const T* dyc = dy + start + cl * S;
    const T* xc = x + start + cl * S;
    Acc sdy = 0, sdyx = 0;
    for (int64_t s = threadIdx.x; s < S; s += kThreads) sdy += dyc[s], sdyx += dyc[s] * ((xc[s] - mu) * r);
    sdy = block_sum(sdy), sdyx = block_sum(sdyx);
    if (threadIdx.x == 0) sum_dy[nc] = sdy, sum_dy_xhat[nc] = sdyx;
    const Acc g = gamma ? gamma[c] : T(1);
    mean_dxhat += g * sdy;  // dxhat = dy * gamma
    mean_dxhat_xhat += g * sdyx;
  }
  const Acc m = static_cast<Acc>(Cg * S);
  mean_dxhat /= m, mean_dxhat_xhat /= m;
  // dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
  for (int64_t i = threadIdx.x; i < Cg * S; i += kThreads) {
    const int64_t c = (ng % groups) * Cg + i / S;
    const Acc g = gamma ? gamma[c] : T(1);
    dx[start + i] = static_cast<T>(r * (dy[start + i] * g - mean_dxhat - (x[start + i] - mu) * r * mean_dxhat_xhat));
  }
}

// A block per group ng of the N * groups; x, dy, dx: [N, C, S].
template <typename T>
__global__ void group_norm_backward_kernel(const T* dy, const T* x, const T* mean, const T* rstd, const T* gamma,
                                           int64_t C, int64_t S, int64_t groups, int64_t NG, T* dx, acc_t<T>* sum_dy,
                                           acc_t<T>* sum_dy_xhat) {
  for (int64_t ng = first_row<kThreads>(); ng < NG; ng += row_stride<kThreads>())
    group_norm_backward_group<T>(dy, x, mean, rstd, gamma, C, S, groups, ng, dx, sum_dy, sum_dy_xhat);
}

// dgamma[c] = sum_n sum_dy_xhat[n, c],  dbeta[c] = sum_n sum_dy[n, c]  (n in order).
template <typename T>
__global__ void group_norm_params_kernel(const acc_t<T>* sum_dy, const acc_t<T>* sum_dy_xhat, int64_t N, int64_t C,
                                         T* grad_gamma, T* grad_beta) {
  RILL_CUDA_FOR(c, C) {
    acc_t<T> dg = 0, db = 0;
    for (int64_t n = 0; n < N; ++n) dg += sum_dy_xhat[n * C + c], db += sum_dy[n * C + c];
    if (grad_gamma) grad_gamma[c] = static_cast<T>(dg);
    if (grad_beta) grad_beta[c] = static_cast<T>(db);
  }
}

// A group of kGroup threads (a warp, or the block: see the top of the file) per row r
// of x, y [R, D]; mean, rstd: [R].
template <int kGroup, typename T>
__global__ void layer_norm_kernel(const T* x, const T* gamma, const T* beta, int64_t R, int64_t D, double eps, T* y,
                                  T* mean, T* rstd) {
  using Acc = acc_t<T>;
  const int lane = threadIdx.x % kGroup;
  for (int64_t r = first_row<kGroup>(); r < R; r += row_stride<kGroup>()) {
    const Moments<Acc> mo = group_moments<kGroup, T>(x + r * D, D, lane, eps);
    if (lane == 0) mean[r] = static_cast<T>(mo.mean), rstd[r] = static_cast<T>(mo.rstd);
    for (int64_t j = lane; j < D; j += kGroup)
      y[r * D + j] =
          static_cast<T>((x[r * D + j] - mo.mean) * mo.rstd * (gamma ? gamma[j] : T(1)) + (beta ? beta[j] : T(0)));
  }
}

// A group of kGroup threads per row r: dx for the row.
template <int kGroup, typename T>
__global__ void layer_norm_backward_kernel(const T* dy, const T* x, const T* mean, const T* rstd, const T* gamma,
                                           int64_t R, int64_t D, T* dx) {
  using Acc = acc_t<T>;
  const int lane = threadIdx.x % kGroup;
  for (int64_t r = first_row<kGroup>(); r < R; r += row_stride<kGroup>()) {
    const Acc mu = mean[r], rs = rstd[r];
    Acc mean_dxhat = 0, mean_dxhat_xhat = 0;
    for (int64_t j = lane; j < D; j += kGroup) {
      const Acc dxhat = dy[r * D + j] * (gamma ? gamma[j] : T(1));
      mean_dxhat += dxhat;
      mean_dxhat_xhat += dxhat * (x[r * D + j] - mu) * rs;
    }
    mean_dxhat = group_sum<kGroup>(mean_dxhat) / static_cast<Acc>(D);
    mean_dxhat_xhat = group_sum<kGroup>(mean_dxhat_xhat) / static_cast<Acc>(D);
    // dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
    for (int64_t j = lane; j < D; j += kGroup) {
      const Acc xhat = (x[r * D + j] - mu) * rs;
      dx[r * D + j] =
          static_cast<T>(rs * (dy[r * D + j] * (gamma ? gamma[j] : T(1)) - mean_dxhat - xhat * mean_dxhat_xhat));
    }
  }
}

// dgamma[j] = sum_r dy * xhat, dbeta[j] = sum_r dy: thread j walks the rows in order.
template <typename T>
__global__ void layer_norm_params_kernel(const T* dy, const T* x, const T* mean, const T* rstd, int64_t R, int64_t D,
                                         T* grad_gamma, T* grad_beta) {
  RILL_CUDA_FOR(j, D) {
    acc_t<T> dg = 0, db = 0;
    for (int64_t r = 0; r < R; ++r) {
      dg += dy[r * D + j] * (x[r * D + j] - mean[r]) * rstd[r];
      db += dy[r * D + j];
    }
    if (grad_gamma) grad_gamma[j] = static_cast<T>(dg);
    if (grad_beta) grad_beta[j] = static_cast<T>(db);
  }
}

// ---- RMSNorm (tensor/norm.h): a group of kGroup threads per row r of x, y [R, D] -------
// rstd = 1/sqrt(mean(x^2) + eps), y = x rstd gamma.
template <int kGroup, typename T>
__global__ void rms_norm_kernel(const T* x, const T* gamma, int64_t R, int64_t D, double eps, T* y, T* rstd) {
  using Acc = acc_t<T>;
  const int lane = threadIdx.x % kGroup;
  for (int64_t r = first_row<kGroup>(); r < R; r += row_stride<kGroup>()) {
    Acc sum_sq = 0;
    for (int64_t j = lane; j < D; j += kGroup) sum_sq += static_cast<Acc>(x[r * D + j]) * x[r * D + j];
    const Acc rs = Acc(1) / sqrt(group_sum<kGroup>(sum_sq) / static_cast<Acc>(D > 0 ? D : 1) + static_cast<Acc>(eps));
    if (lane == 0) rstd[r] = static_cast<T>(rs);
    for (int64_t j = lane; j < D; j += kGroup) y[r * D + j] = static_cast<T>(x[r * D + j] * rs * (gamma ? gamma[j] : T(1)));
  }
}

// dx = rstd (dxhat - xhat mean(dxhat xhat)), dxhat = dy gamma, xhat = x rstd: one row per group.
template <int kGroup, typename T>
__global__ void rms_norm_backward_kernel(const T* dy, const T* x, const T* rstd, const T* gamma, int64_t R, int64_t D,
                                         T* dx) {
  using Acc = acc_t<T>;
  const int lane = threadIdx.x % kGroup;
  for (int64_t r = first_row<kGroup>(); r < R; r += row_stride<kGroup>()) {
    const Acc rs = rstd[r];
    Acc mean_dxhat_xhat = 0;
    for (int64_t j = lane; j < D; j += kGroup)
      mean_dxhat_xhat += static_cast<Acc>(dy[r * D + j]) * (gamma ? gamma[j] : T(1)) * x[r * D + j] * rs;
    mean_dxhat_xhat = group_sum<kGroup>(mean_dxhat_xhat) / static_cast<Acc>(D);
    for (int64_t j = lane; j < D; j += kGroup)
      dx[r * D + j] = static_cast<T>(
          rs * (static_cast<Acc>(dy[r * D + j]) * (gamma ? gamma[j] : T(1)) - x[r * D + j] * rs * mean_dxhat_xhat));
  }
}

// dgamma[j] = sum_r dy xhat: thread j walks the rows in order (deterministic).
template <typename T>
__global__ void rms_norm_params_kernel(const T* dy, const T* x, const T* rstd, int64_t R, int64_t D, T* grad_gamma) {
  RILL_CUDA_FOR(j, D) {
    acc_t<T> dg = 0;
    for (int64_t r = 0; r < R; ++r) dg += static_cast<acc_t<T>>(dy[r * D + j]) * x[r * D + j] * rstd[r];
    grad_gamma[j] = static_cast<T>(dg);
  }
}

template <typename T>
T* ptr_or_null_mut(const Tensor& t) {
  return t.defined() ? static_cast<T*>(t.raw_data()) : nullptr;
}

}  // namespace

void CudaBackend::group_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, int64_t groups, double eps,
                             const Tensor& y, const Tensor& mean, const Tensor& rstd) {
  const int64_t N = x.shape()[0], C = x.shape()[1], S = x.shape()[2];
  if (N * groups == 0) return;
  dispatch_float(x.dtype(), "group_norm", [&]<typename T>() {
    group_norm_kernel<T><<<grid_of(N * groups), kThreads, 0, stream()>>>(ptr<T>(x), ptr_or_null<T>(gamma),
                                                                         ptr_or_null<T>(beta), C, S, groups, N * groups,
                                                                         eps, ptr<T>(y), ptr<T>(mean), ptr<T>(rstd));
    RILL_CUDA_CHECK_LAUNCH("group_norm");
  });
}

void CudaBackend::group_norm_backward(const Tensor& grad_y, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                                      const Tensor& gamma, int64_t groups, const Tensor& grad_x,
                                      const Tensor& grad_gamma, const Tensor& grad_beta) {
  const int64_t N = x.shape()[0], C = x.shape()[1], S = x.shape()[2];
  if (N * groups == 0) return;
  dispatch_float(x.dtype(), "group_norm_backward", [&]<typename T>() {
    using Acc = acc_t<T>;
    // Per (n, c) sums, kept on the device for the parameter gradients.
    const Tensor sum_dy = Tensor::empty({N * C}, {dtype_v<Acc>, x.device()});
    const Tensor sum_dy_xhat = Tensor::empty({N * C}, {dtype_v<Acc>, x.device()});
    group_norm_backward_kernel<T><<<grid_of(N * groups), kThreads, 0, stream()>>>(
        ptr<T>(grad_y), ptr<T>(x), ptr<T>(mean), ptr<T>(rstd), ptr_or_null<T>(gamma), C, S, groups, N * groups,
        ptr<T>(grad_x), ptr<Acc>(sum_dy), ptr<Acc>(sum_dy_xhat));
    RILL_CUDA_CHECK_LAUNCH("group_norm_backward");
    if (grad_gamma.defined() || grad_beta.defined()) {
      group_norm_params_kernel<T><<<blocks_for(C), kThreads, 0, stream()>>>(
          ptr<Acc>(sum_dy), ptr<Acc>(sum_dy_xhat), N, C, ptr_or_null_mut<T>(grad_gamma), ptr_or_null_mut<T>(grad_beta));
      RILL_CUDA_CHECK_LAUNCH("group_norm_backward");
    }
  });
}

void CudaBackend::layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps, const Tensor& y,
                             const Tensor& mean, const Tensor& rstd) {
  const int64_t R = x.shape()[0], D = x.shape()[1];
  if (R == 0) return;
  dispatch_float(x.dtype(), "layer_norm", [&]<typename T>() {
    if (D <= kWarpRowMax)  // a warp per row, 8 rows per block
      layer_norm_kernel<kWarp, T><<<grid_of(ceil_div(R, kThreads / kWarp)), kThreads, 0, stream()>>>(
          ptr<T>(x), ptr_or_null<T>(gamma), ptr_or_null<T>(beta), R, D, eps, ptr<T>(y), ptr<T>(mean), ptr<T>(rstd));
    else  // a block per row
      layer_norm_kernel<kThreads, T><<<grid_of(R), kThreads, 0, stream()>>>(
          ptr<T>(x), ptr_or_null<T>(gamma), ptr_or_null<T>(beta), R, D, eps, ptr<T>(y), ptr<T>(mean), ptr<T>(rstd));
    RILL_CUDA_CHECK_LAUNCH("layer_norm");
  });
}

void CudaBackend::layer_norm_backward(const Tensor& grad_y, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                                      const Tensor& gamma, const Tensor& grad_x, const Tensor& grad_gamma,
                                      const Tensor& grad_beta) {
  const int64_t R = x.shape()[0], D = x.shape()[1];
  if (R == 0) return;
  dispatch_float(x.dtype(), "layer_norm_backward", [&]<typename T>() {
    if (D <= kWarpRowMax)
      layer_norm_backward_kernel<kWarp, T><<<grid_of(ceil_div(R, kThreads / kWarp)), kThreads, 0, stream()>>>(
          ptr<T>(grad_y), ptr<T>(x), ptr<T>(mean), ptr<T>(rstd), ptr_or_null<T>(gamma), R, D, ptr<T>(grad_x));
    else
      layer_norm_backward_kernel<kThreads, T><<<grid_of(R), kThreads, 0, stream()>>>(
          ptr<T>(grad_y), ptr<T>(x), ptr<T>(mean), ptr<T>(rstd), ptr_or_null<T>(gamma), R, D, ptr<T>(grad_x));
    RILL_CUDA_CHECK_LAUNCH("layer_norm_backward");
    if (grad_gamma.defined() || grad_beta.defined()) {
      layer_norm_params_kernel<T>
          <<<blocks_for(D), kThreads, 0, stream()>>>(ptr<T>(grad_y), ptr<T>(x), ptr<T>(mean), ptr<T>(rstd), R, D,
                                                     ptr_or_null_mut<T>(grad_gamma), ptr_or_null_mut<T>(grad_beta));
      RILL_CUDA_CHECK_LAUNCH("layer_norm_backward");
    }
  });
}

void CudaBackend::rms_norm(const Tensor& x, const Tensor& gamma, double eps, const Tensor& y, const Tensor& rstd) {
  const int64_t R = x.shape()[0], D = x.shape()[1];
  if (R == 0) return;
  dispatch_float(x.dtype(), "rms_norm", [&]<typename T>() {
    if (D <= kWarpRowMax)  // a warp per row, 8 rows per block
      rms_norm_kernel<kWarp, T><<<grid_of(ceil_div(R, kThreads / kWarp)), kThreads, 0, stream()>>>(
          ptr<T>(x), ptr_or_null<T>(gamma), R, D, eps, ptr<T>(y), ptr<T>(rstd));
    else  // a block per row
      rms_norm_kernel<kThreads, T><<<grid_of(R), kThreads, 0, stream()>>>(ptr<T>(x), ptr_or_null<T>(gamma), R, D, eps,
                                                                          ptr<T>(y), ptr<T>(rstd));
    RILL_CUDA_CHECK_LAUNCH("rms_norm");
  });
}

void CudaBackend::rms_norm_backward(const Tensor& grad_y, const Tensor& x, const Tensor& rstd, const Tensor& gamma,
                                    const Tensor& grad_x, const Tensor& grad_gamma) {
  const int64_t R = x.shape()[0], D = x.shape()[1];
  if (R == 0) return;
  dispatch_float(x.dtype(), "rms_norm_backward", [&]<typename T>() {
    if (D <= kWarpRowMax)
      rms_norm_backward_kernel<kWarp, T><<<grid_of(ceil_div(R, kThreads / kWarp)), kThreads, 0, stream()>>>(
          ptr<T>(grad_y), ptr<T>(x), ptr<T>(rstd), ptr_or_null<T>(gamma), R, D, ptr<T>(grad_x));
    else
      rms_norm_backward_kernel<kThreads, T><<<grid_of(R), kThreads, 0, stream()>>>(
          ptr<T>(grad_y), ptr<T>(x), ptr<T>(rstd), ptr_or_null<T>(gamma), R, D, ptr<T>(grad_x));
    RILL_CUDA_CHECK_LAUNCH("rms_norm_backward");
    if (grad_gamma.defined()) {
      rms_norm_params_kernel<T><<<blocks_for(D), kThreads, 0, stream()>>>(ptr<T>(grad_y), ptr<T>(x), ptr<T>(rstd), R, D,
                                                                          ptr<T>(grad_gamma));
      RILL_CUDA_CHECK_LAUNCH("rms_norm_backward");
    }
  });
}

}  // namespace rill::cuda
