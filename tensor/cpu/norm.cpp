// rill CPU — group norm (optionally fused with the SiLU after it) and layer norm,
// forward and fused backward.
// Formulas: tensor/norm.h. Statistics accumulate in acc_t<T> (double for float32).
// Sums over a group are `omp simd` reductions: without that pragma the compiler must
// add one element at a time in order (floating-point addition is not associative),
// a chain bound by the adder's latency; with it, several partial sums run side by
// side (a fixed order, so results stay reproducible).
#include <cmath>
#include <vector>

#include "tensor/cpu/cpu_backend.h"
#include "tensor/cpu/parallel.h"
#include "tensor/cpu/vecmath.h"

namespace rill {
namespace {

// Mean and 1/sqrt(biased var + eps) of m values, two passes (stable).
template <typename T>
std::pair<acc_t<T>, acc_t<T>> moments(const T* x, int64_t m, double eps) {
  using Acc = acc_t<T>;
  Acc mean = 0;
#pragma omp simd reduction(+ : mean)
  for (int64_t i = 0; i < m; ++i) mean += x[i];
  mean /= static_cast<Acc>(m);
  Acc var = 0;
#pragma omp simd reduction(+ : var)
  for (int64_t i = 0; i < m; ++i) var += (x[i] - mean) * (x[i] - mean);
  var /= static_cast<Acc>(m);
  return {mean, Acc(1) / std::sqrt(var + static_cast<Acc>(eps))};
}

template <typename T>
const T* ptr_or_null(const Tensor& t) {
  return t.defined() ? static_cast<const T*>(t.raw_data()) : nullptr;
}

}  // namespace

namespace {

// Group norm forward, optionally followed by SiLU in the same pass (kSilu):
//   y = act(x * a + b),  a = rstd * gamma[c],  b = beta[c] - mean * a.
template <typename T, bool kSilu>
void group_norm_impl(const Tensor& x, const Tensor& gamma, const Tensor& beta, int64_t groups, double eps,
                     const Tensor& y, const Tensor& mean, const Tensor& rstd) {
  const int64_t N = x.shape()[0], C = x.shape()[1], S = x.shape()[2], Cg = C / groups;
  const T* px = static_cast<const T*>(x.raw_data());
  const T* pg = ptr_or_null<T>(gamma);
  const T* pb = ptr_or_null<T>(beta);
  T* py = static_cast<T*>(y.raw_data());
  T* pm = static_cast<T*>(mean.raw_data());
  T* pr = static_cast<T*>(rstd.raw_data());
#pragma omp parallel for schedule(static) if (x.numel() >= kParallelGrain)
  for (int64_t ng = 0; ng < N * groups; ++ng) {
    // Group (n, g) is the contiguous block of channels g*Cg .. (g+1)*Cg-1 of image n.
    const int64_t start = ng * Cg * S;
    const auto [mu, r] = moments(px + start, Cg * S, eps);
    pm[ng] = static_cast<T>(mu);
    pr[ng] = static_cast<T>(r);
    for (int64_t cl = 0; cl < Cg; ++cl) {
      const int64_t c = (ng % groups) * Cg + cl;
      // y = (x - mean) * rstd * gamma + beta = x * a + b
      const T a = static_cast<T>(r * (pg ? pg[c] : T(1)));
      const T b = static_cast<T>((pb ? pb[c] : T(0)) - mu * a);
      const T* xc = px + start + cl * S;
      T* yc = py + start + cl * S;
      for (int64_t s = 0; s < S; ++s) {
        const T h = xc[s] * a + b;
        yc[s] = kSilu ? h / (T(1) + cpu::exp_vec(-h)) : h;  // silu(h) = h * sigmoid(h)
      }
    }
  }
}

// The fused backward (tensor/norm.h). With kSilu the incoming gradient is first taken
// through SiLU: dh = dy * silu'(h), h recomputed as x * a + b; dh is written into
// grad_x, which the second pass then overwrites with dx element by element.
template <typename T, bool kSilu>
void group_norm_backward_impl(const Tensor& grad_y, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                              const Tensor& gamma, const Tensor& beta, int64_t groups, const Tensor& grad_x,
                              const Tensor& grad_gamma, const Tensor& grad_beta) {
  using Acc = acc_t<T>;
  const int64_t N = x.shape()[0], C = x.shape()[1], S = x.shape()[2], Cg = C / groups;
  const T* pdy_in = static_cast<const T*>(grad_y.raw_data());
  const T* px = static_cast<const T*>(x.raw_data());
  const T* pm = static_cast<const T*>(mean.raw_data());
  const T* pr = static_cast<const T*>(rstd.raw_data());
  const T* pg = ptr_or_null<T>(gamma);
  const T* pb = ptr_or_null<T>(beta);
  T* pdx = static_cast<T*>(grad_x.raw_data());
  // Per (n, c): sum_s dy and sum_s dy * xhat, needed by dx and by dgamma/dbeta.
  std::vector<Acc> sum_dy(static_cast<size_t>(N * C)), sum_dy_xhat(static_cast<size_t>(N * C));
#pragma omp parallel for schedule(static) if (x.numel() >= kParallelGrain)
  for (int64_t ng = 0; ng < N * groups; ++ng) {
    const int64_t start = ng * Cg * S;
    const Acc mu = pm[ng], r = pr[ng];
    const Acc m = static_cast<Acc>(Cg * S);
    Acc mean_dxhat = 0, mean_dxhat_xhat = 0;
    for (int64_t cl = 0; cl < Cg; ++cl) {
      const int64_t c = (ng % groups) * Cg + cl, nc = ng / groups * C + c;
      const T* xc = px + start + cl * S;
      const T* dyc = pdy_in + start + cl * S;
      if constexpr (kSilu) {  // dy <- dy * silu'(h), stored in grad_x
        const T a = static_cast<T>(r * (pg ? pg[c] : T(1)));
        const T b = static_cast<T>((pb ? pb[c] : T(0)) - mu * a);
        T* dhc = pdx + start + cl * S;
        for (int64_t s = 0; s < S; ++s) {
          const T h = xc[s] * a + b, sg = T(1) / (T(1) + cpu::exp_vec(-h));
          dhc[s] = dyc[s] * sg * (T(1) + h * (T(1) - sg));
        }
        dyc = dhc;
      }
      Acc sdy = 0, sdyx = 0;
#pragma omp simd reduction(+ : sdy, sdyx)
      for (int64_t s = 0; s < S; ++s) sdy += dyc[s], sdyx += dyc[s] * ((xc[s] - mu) * r);
      sum_dy[nc] = sdy, sum_dy_xhat[nc] = sdyx;
      const Acc g = pg ? pg[c] : T(1);
      mean_dxhat += g * sdy;  // dxhat = dy * gamma
      mean_dxhat_xhat += g * sdyx;
    }
    mean_dxhat /= m, mean_dxhat_xhat /= m;
    // dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
    for (int64_t cl = 0; cl < Cg; ++cl) {
      const int64_t c = (ng % groups) * Cg + cl;
      const Acc g = pg ? pg[c] : T(1);
      const T* dyc = kSilu ? pdx + start + cl * S : pdy_in + start + cl * S;
      const T* xc = px + start + cl * S;
      T* dxc = pdx + start + cl * S;
      for (int64_t s = 0; s < S; ++s)
        dxc[s] = static_cast<T>(r * (dyc[s] * g - mean_dxhat - (xc[s] - mu) * r * mean_dxhat_xhat));
    }
  }
  // dgamma[c] = sum_n sum_s dy * xhat,  dbeta[c] = sum_n sum_s dy  (in n order: deterministic)
  if (grad_gamma.defined() || grad_beta.defined())
    for (int64_t c = 0; c < C; ++c) {
      Acc dg = 0, db = 0;
      for (int64_t n = 0; n < N; ++n) dg += sum_dy_xhat[n * C + c], db += sum_dy[n * C + c];
      if (grad_gamma.defined()) static_cast<T*>(grad_gamma.raw_data())[c] = static_cast<T>(dg);
      if (grad_beta.defined()) static_cast<T*>(grad_beta.raw_data())[c] = static_cast<T>(db);
    }
}

}  // namespace

void CpuBackend::group_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, int64_t groups, double eps,
                            const Tensor& y, const Tensor& mean, const Tensor& rstd) {
  dispatch_float(x.dtype(), "group_norm",
                 [&]<typename T>() { group_norm_impl<T, false>(x, gamma, beta, groups, eps, y, mean, rstd); });
}

void CpuBackend::group_norm_silu(const Tensor& x, const Tensor& gamma, const Tensor& beta, int64_t groups, double eps,
                                 const Tensor& y, const Tensor& mean, const Tensor& rstd) {
  dispatch_float(x.dtype(), "group_norm_silu",
                 [&]<typename T>() { group_norm_impl<T, true>(x, gamma, beta, groups, eps, y, mean, rstd); });
}

void CpuBackend::group_norm_backward(const Tensor& grad_y, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                                     const Tensor& gamma, int64_t groups, const Tensor& grad_x,
                                     const Tensor& grad_gamma, const Tensor& grad_beta) {
  dispatch_float(x.dtype(), "group_norm_backward", [&]<typename T>() {
    group_norm_backward_impl<T, false>(grad_y, x, mean, rstd, gamma, Tensor(), groups, grad_x, grad_gamma, grad_beta);
  });
}

void CpuBackend::group_norm_silu_backward(const Tensor& grad_y, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                                          const Tensor& gamma, const Tensor& beta, int64_t groups, const Tensor& grad_x,
                                          const Tensor& grad_gamma, const Tensor& grad_beta) {
  dispatch_float(x.dtype(), "group_norm_silu_backward", [&]<typename T>() {
    group_norm_backward_impl<T, true>(grad_y, x, mean, rstd, gamma, beta, groups, grad_x, grad_gamma, grad_beta);
  });
}

void CpuBackend::layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps, const Tensor& y,
                            const Tensor& mean, const Tensor& rstd) {
  const int64_t R = x.shape()[0], D = x.shape()[1];
  dispatch_float(x.dtype(), "layer_norm", [&]<typename T>() {
    const T* px = static_cast<const T*>(x.raw_data());
    const T* pg = ptr_or_null<T>(gamma);
    const T* pb = ptr_or_null<T>(beta);
    T* py = static_cast<T*>(y.raw_data());
#pragma omp parallel for schedule(static) if (x.numel() >= kParallelGrain)
    for (int64_t r = 0; r < R; ++r) {
      const auto [mu, rs] = moments(px + r * D, D, eps);
      static_cast<T*>(mean.raw_data())[r] = static_cast<T>(mu);
      static_cast<T*>(rstd.raw_data())[r] = static_cast<T>(rs);
      for (int64_t j = 0; j < D; ++j)
        py[r * D + j] = static_cast<T>((px[r * D + j] - mu) * rs * (pg ? pg[j] : T(1)) + (pb ? pb[j] : T(0)));
    }
  });
}

void CpuBackend::layer_norm_backward(const Tensor& grad_y, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                                     const Tensor& gamma, const Tensor& grad_x, const Tensor& grad_gamma,
                                     const Tensor& grad_beta) {
  const int64_t R = x.shape()[0], D = x.shape()[1];
  dispatch_float(x.dtype(), "layer_norm_backward", [&]<typename T>() {
    using Acc = acc_t<T>;
    const T* pdy = static_cast<const T*>(grad_y.raw_data());
    const T* px = static_cast<const T*>(x.raw_data());
    const T* pm = static_cast<const T*>(mean.raw_data());
    const T* pr = static_cast<const T*>(rstd.raw_data());
    const T* pg = ptr_or_null<T>(gamma);
    T* pdx = static_cast<T*>(grad_x.raw_data());
#pragma omp parallel for schedule(static) if (x.numel() >= kParallelGrain)
    for (int64_t r = 0; r < R; ++r) {
      const Acc mu = pm[r], rs = pr[r];
      Acc mean_dxhat = 0, mean_dxhat_xhat = 0;
      for (int64_t j = 0; j < D; ++j) {
        const Acc dxhat = pdy[r * D + j] * (pg ? pg[j] : T(1));
        mean_dxhat += dxhat;
        mean_dxhat_xhat += dxhat * (px[r * D + j] - mu) * rs;
      }
      mean_dxhat /= static_cast<Acc>(D), mean_dxhat_xhat /= static_cast<Acc>(D);
      for (int64_t j = 0; j < D; ++j) {
        const Acc xhat = (px[r * D + j] - mu) * rs;
        pdx[r * D + j] =
            static_cast<T>(rs * (pdy[r * D + j] * (pg ? pg[j] : T(1)) - mean_dxhat - xhat * mean_dxhat_xhat));
      }
    }
    // dgamma[j] = sum_r dy * xhat, dbeta[j] = sum_r dy (rows in order: deterministic)
    if (grad_gamma.defined() || grad_beta.defined()) {
      std::vector<Acc> dg(static_cast<size_t>(D), 0), db(static_cast<size_t>(D), 0);
      for (int64_t r = 0; r < R; ++r)
        for (int64_t j = 0; j < D; ++j) {
          dg[j] += pdy[r * D + j] * (px[r * D + j] - pm[r]) * pr[r];
          db[j] += pdy[r * D + j];
        }
      for (int64_t j = 0; j < D; ++j) {
        if (grad_gamma.defined()) static_cast<T*>(grad_gamma.raw_data())[j] = static_cast<T>(dg[j]);
        if (grad_beta.defined()) static_cast<T*>(grad_beta.raw_data())[j] = static_cast<T>(db[j]);
      }
    }
  });
}

// ---- RMSNorm: rstd = 1/sqrt(mean(x^2) + eps), y = x rstd gamma (tensor/norm.h) ----------
// x, y: [R, D]; rstd: [R]. One row per iteration, the sum of squares in acc_t<T>.
void CpuBackend::rms_norm(const Tensor& x, const Tensor& gamma, double eps, const Tensor& y, const Tensor& rstd) {
  const int64_t R = x.shape()[0], D = x.shape()[1];
  dispatch_float(x.dtype(), "rms_norm", [&]<typename T>() {
    using Acc = acc_t<T>;
    const T* px = static_cast<const T*>(x.raw_data());
    const T* pg = ptr_or_null<T>(gamma);
    T* py = static_cast<T*>(y.raw_data());
#pragma omp parallel for schedule(static) if (x.numel() >= kParallelGrain)
    for (int64_t r = 0; r < R; ++r) {
      Acc sum_sq = 0;
      for (int64_t j = 0; j < D; ++j) sum_sq += static_cast<Acc>(px[r * D + j]) * px[r * D + j];
      const Acc rs = Acc(1) / std::sqrt(sum_sq / static_cast<Acc>(std::max<int64_t>(D, 1)) + static_cast<Acc>(eps));
      static_cast<T*>(rstd.raw_data())[r] = static_cast<T>(rs);
      for (int64_t j = 0; j < D; ++j) py[r * D + j] = static_cast<T>(px[r * D + j] * rs * (pg ? pg[j] : T(1)));
    }
  });
}

// dx = rstd (dxhat - xhat mean(dxhat xhat)) per row; dgamma[j] = sum_r dy xhat, rows in
// order (deterministic).
void CpuBackend::rms_norm_backward(const Tensor& grad_y, const Tensor& x, const Tensor& rstd, const Tensor& gamma,
                                   const Tensor& grad_x, const Tensor& grad_gamma) {
  const int64_t R = x.shape()[0], D = x.shape()[1];
  dispatch_float(x.dtype(), "rms_norm_backward", [&]<typename T>() {
    using Acc = acc_t<T>;
    const T* pdy = static_cast<const T*>(grad_y.raw_data());
    const T* px = static_cast<const T*>(x.raw_data());
    const T* pr = static_cast<const T*>(rstd.raw_data());
    const T* pg = ptr_or_null<T>(gamma);
    T* pdx = static_cast<T*>(grad_x.raw_data());
#pragma omp parallel for schedule(static) if (x.numel() >= kParallelGrain)
    for (int64_t r = 0; r < R; ++r) {
      const Acc rs = pr[r];
      Acc mean_dxhat_xhat = 0;
      for (int64_t j = 0; j < D; ++j) mean_dxhat_xhat += pdy[r * D + j] * (pg ? pg[j] : T(1)) * px[r * D + j] * rs;
      mean_dxhat_xhat /= static_cast<Acc>(D);
      for (int64_t j = 0; j < D; ++j)
        pdx[r * D + j] = static_cast<T>(rs * (pdy[r * D + j] * (pg ? pg[j] : T(1)) - px[r * D + j] * rs * mean_dxhat_xhat));
    }
    if (grad_gamma.defined()) {
      std::vector<Acc> dg(static_cast<size_t>(D), 0);
      for (int64_t r = 0; r < R; ++r)
        for (int64_t j = 0; j < D; ++j) dg[j] += static_cast<Acc>(pdy[r * D + j]) * px[r * D + j] * pr[r];
      for (int64_t j = 0; j < D; ++j) static_cast<T*>(grad_gamma.raw_data())[j] = static_cast<T>(dg[j]);
    }
  });
}

}  // namespace rill
