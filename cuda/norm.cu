// rill CUDA — group norm and layer norm, forward and fused backward.
// Formulas: tensor/norm.h; algorithm: tensor/cpu/norm.cpp. Statistics accumulate in
// acc_t<T> (double for float32). One block normalises one group (n, g) or one row,
// its threads striding over the elements and meeting in block_reduce.
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

template <typename Acc>
struct Moments {
  Acc mean, rstd;
};

// Mean and 1/sqrt(biased var + eps) of x[0..m), by the whole block, two passes (stable).
template <typename T, typename Acc = acc_t<T>>
__device__ Moments<Acc> block_moments(const T* x, int64_t m, double eps) {
  Acc sum = 0;
  for (int64_t i = threadIdx.x; i < m; i += blockDim.x) sum += x[i];
  const Acc mean = block_sum(sum) / static_cast<Acc>(m);
  Acc ss = 0;
  for (int64_t i = threadIdx.x; i < m; i += blockDim.x) ss += (x[i] - mean) * (x[i] - mean);
  const Acc var = block_sum(ss) / static_cast<Acc>(m);
  return {mean, Acc(1) / sqrt(var + static_cast<Acc>(eps))};
}

// Block ng normalises group (n, g): the Cg*S contiguous values of channels g*Cg.. of image n.
template <typename T>
__global__ void group_norm_kernel(const T* x, const T* gamma, const T* beta, int64_t C, int64_t S, int64_t groups,
                                  double eps, T* y, T* mean, T* rstd) {
  using Acc = acc_t<T>;
  const int64_t ng = blockIdx.x, Cg = C / groups, m = Cg * S;
  const T* xg = x + ng * m;
  T* yg = y + ng * m;
  const Moments<Acc> mo = block_moments<T>(xg, m, eps);
  if (threadIdx.x == 0) mean[ng] = static_cast<T>(mo.mean), rstd[ng] = static_cast<T>(mo.rstd);
  for (int64_t i = threadIdx.x; i < m; i += blockDim.x) {
    const int64_t c = (ng % groups) * Cg + i / S;
    // y = (x - mean) * rstd * gamma + beta = x * a + b
    const Acc a = mo.rstd * (gamma ? gamma[c] : T(1));
    const Acc b = (beta ? beta[c] : T(0)) - mo.mean * a;
    yg[i] = static_cast<T>(xg[i] * a + b);
  }
}

// Block ng: dx for group (n, g), and per channel the sums sum_s dy and sum_s dy * xhat
// (written to sum_dy, sum_dy_xhat [N, C]) that dgamma and dbeta need.
template <typename T>
__global__ void group_norm_backward_kernel(const T* dy, const T* x, const T* mean, const T* rstd, const T* gamma,
                                           int64_t C, int64_t S, int64_t groups, T* dx, acc_t<T>* sum_dy,
                                           acc_t<T>* sum_dy_xhat) {
  using Acc = acc_t<T>;
  const int64_t ng = blockIdx.x, Cg = C / groups, start = ng * Cg * S;
  const Acc mu = mean[ng], r = rstd[ng];
  Acc mean_dxhat = 0, mean_dxhat_xhat = 0;
  for (int64_t cl = 0; cl < Cg; ++cl) {
    const int64_t c = (ng % groups) * Cg + cl, nc = ng / groups * C + c;
    const T* dyc = dy + start + cl * S;
    const T* xc = x + start + cl * S;
    Acc sdy = 0, sdyx = 0;
    for (int64_t s = threadIdx.x; s < S; s += blockDim.x) sdy += dyc[s], sdyx += dyc[s] * ((xc[s] - mu) * r);
    sdy = block_sum(sdy), sdyx = block_sum(sdyx);
    if (threadIdx.x == 0) sum_dy[nc] = sdy, sum_dy_xhat[nc] = sdyx;
    const Acc g = gamma ? gamma[c] : T(1);
    mean_dxhat += g * sdy;  // dxhat = dy * gamma
    mean_dxhat_xhat += g * sdyx;
  }
  const Acc m = static_cast<Acc>(Cg * S);
  mean_dxhat /= m, mean_dxhat_xhat /= m;
  // dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
  for (int64_t i = threadIdx.x; i < Cg * S; i += blockDim.x) {
    const int64_t c = (ng % groups) * Cg + i / S;
    const Acc g = gamma ? gamma[c] : T(1);
    dx[start + i] = static_cast<T>(r * (dy[start + i] * g - mean_dxhat - (x[start + i] - mu) * r * mean_dxhat_xhat));
  }
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

// Block r normalises row r of x [R, D].
template <typename T>
__global__ void layer_norm_kernel(const T* x, const T* gamma, const T* beta, int64_t D, double eps, T* y, T* mean,
                                  T* rstd) {
  using Acc = acc_t<T>;
  const int64_t r = blockIdx.x;
  const Moments<Acc> mo = block_moments<T>(x + r * D, D, eps);
  if (threadIdx.x == 0) mean[r] = static_cast<T>(mo.mean), rstd[r] = static_cast<T>(mo.rstd);
  for (int64_t j = threadIdx.x; j < D; j += blockDim.x)
    y[r * D + j] = static_cast<T>((x[r * D + j] - mo.mean) * mo.rstd * (gamma ? gamma[j] : T(1)) + (beta ? beta[j] : T(0)));
}

// Block r: dx for row r.
template <typename T>
__global__ void layer_norm_backward_kernel(const T* dy, const T* x, const T* mean, const T* rstd, const T* gamma,
                                           int64_t D, T* dx) {
  using Acc = acc_t<T>;
  const int64_t r = blockIdx.x;
  const Acc mu = mean[r], rs = rstd[r];
  Acc mean_dxhat = 0, mean_dxhat_xhat = 0;
  for (int64_t j = threadIdx.x; j < D; j += blockDim.x) {
    const Acc dxhat = dy[r * D + j] * (gamma ? gamma[j] : T(1));
    mean_dxhat += dxhat;
    mean_dxhat_xhat += dxhat * (x[r * D + j] - mu) * rs;
  }
  mean_dxhat = block_sum(mean_dxhat) / static_cast<Acc>(D);
  mean_dxhat_xhat = block_sum(mean_dxhat_xhat) / static_cast<Acc>(D);
  for (int64_t j = threadIdx.x; j < D; j += blockDim.x) {
    const Acc xhat = (x[r * D + j] - mu) * rs;
    dx[r * D + j] = static_cast<T>(rs * (dy[r * D + j] * (gamma ? gamma[j] : T(1)) - mean_dxhat - xhat * mean_dxhat_xhat));
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
    group_norm_kernel<T><<<static_cast<unsigned>(N * groups), kThreads, 0, stream()>>>(
        ptr<T>(x), ptr_or_null<T>(gamma), ptr_or_null<T>(beta), C, S, groups, eps, ptr<T>(y), ptr<T>(mean),
        ptr<T>(rstd));
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
    group_norm_backward_kernel<T><<<static_cast<unsigned>(N * groups), kThreads, 0, stream()>>>(
        ptr<T>(grad_y), ptr<T>(x), ptr<T>(mean), ptr<T>(rstd), ptr_or_null<T>(gamma), C, S, groups, ptr<T>(grad_x),
        ptr<Acc>(sum_dy), ptr<Acc>(sum_dy_xhat));
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
    layer_norm_kernel<T><<<static_cast<unsigned>(R), kThreads, 0, stream()>>>(
        ptr<T>(x), ptr_or_null<T>(gamma), ptr_or_null<T>(beta), D, eps, ptr<T>(y), ptr<T>(mean), ptr<T>(rstd));
    RILL_CUDA_CHECK_LAUNCH("layer_norm");
  });
}

void CudaBackend::layer_norm_backward(const Tensor& grad_y, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                                      const Tensor& gamma, const Tensor& grad_x, const Tensor& grad_gamma,
                                      const Tensor& grad_beta) {
  const int64_t R = x.shape()[0], D = x.shape()[1];
  if (R == 0) return;
  dispatch_float(x.dtype(), "layer_norm_backward", [&]<typename T>() {
    layer_norm_backward_kernel<T><<<static_cast<unsigned>(R), kThreads, 0, stream()>>>(
        ptr<T>(grad_y), ptr<T>(x), ptr<T>(mean), ptr<T>(rstd), ptr_or_null<T>(gamma), D, ptr<T>(grad_x));
    RILL_CUDA_CHECK_LAUNCH("layer_norm_backward");
    if (grad_gamma.defined() || grad_beta.defined()) {
      layer_norm_params_kernel<T><<<blocks_for(D), kThreads, 0, stream()>>>(
          ptr<T>(grad_y), ptr<T>(x), ptr<T>(mean), ptr<T>(rstd), R, D, ptr_or_null_mut<T>(grad_gamma),
          ptr_or_null_mut<T>(grad_beta));
      RILL_CUDA_CHECK_LAUNCH("layer_norm_backward");
    }
  });
}

}  // namespace rill::cuda
