// rill CPU — stride-1 convolution as shifted GEMMs (conv_shifted.h explains the method).
#include "tensor/cpu/conv_shifted.h"

#include <omp.h>

#include <algorithm>
#include <vector>

#include "tensor/cpu/blas.h"
#include "tensor/cpu/cpu_backend.h"

namespace rill::cpu {
namespace {

std::pair<int64_t, int64_t> images_of(int t, int teams, int64_t N) { return {N * t / teams, N * (t + 1) / teams}; }

// weight [F, C, kh, kw] -> wk [KK, F, C]: tap k's matrix W(k) contiguous.
template <typename T>
std::vector<T> taps_of(const T* weight, const Geometry& g) {
  std::vector<T> wk(static_cast<size_t>(g.KK * g.F * g.C));
  for (int64_t f = 0; f < g.F; ++f)
    for (int64_t c = 0; c < g.C; ++c)
      for (int64_t k = 0; k < g.KK; ++k) wk[(k * g.F + f) * g.C + c] = weight[(f * g.C + c) * g.KK + k];
  return wk;
}

ConvGemm& conv_gemm_in_use() {
  static ConvGemm which = ConvGemm::rill;
  return which;
}

bool& winograd_on() {
  static bool on = false;  // measured slower than the direct GEMM on every U-Net shape (bench_conv)
  return on;
}

}  // namespace

ConvGemm conv_gemm() { return conv_gemm_in_use(); }
void set_conv_gemm(ConvGemm which) { conv_gemm_in_use() = which; }
bool winograd_enabled() { return winograd_on(); }
void set_winograd(bool on) { winograd_on() = on; }

void shifted_conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Window2d& w, const Tensor& y,
                    int teams) {
  const Geometry g = geometry(x, weight, w);
  dispatch_float(x.dtype(), "conv2d", [&]<typename T>() {
    const T* px = static_cast<const T*>(x.raw_data());
    const T* pb = bias.defined() ? static_cast<const T*>(bias.raw_data()) : nullptr;
    T* py = static_cast<T*>(y.raw_data());
    const std::vector<T> wk = taps_of(static_cast<const T*>(weight.raw_data()), g);
    const int64_t per_team = g.C * g.plane + g.F * g.Lw;  // xp, then y_wide
    const Tensor scratch = Tensor::empty({teams * per_team}, x.options());
#pragma omp parallel num_threads(teams) if (teams > 1)
    {
      const int t = teams > 1 ? omp_get_thread_num() : 0;
      T* xp = static_cast<T*>(scratch.raw_data()) + t * per_team;
      T* yw = xp + g.C * g.plane;
      std::fill(xp, xp + g.C * g.plane, T(0));  // the zero border, once
      const auto [first, last] = images_of(t, teams, g.N);
      for (int64_t n = first; n < last; ++n) {
        pad_image(px + n * g.C * g.H * g.W, g, xp);
        for (int64_t k = 0; k < g.KK; ++k)  // y_wide (+)= W(k) @ xp shifted
          gemm(CblasNoTrans, CblasNoTrans, g.F, g.Lw, g.C, T(1), wk.data() + k * g.F * g.C, g.C, xp + g.shift(k),
               g.plane, T(k == 0 ? 0 : 1), yw, g.Lw);
        T* yn = py + n * g.F * g.Ho * g.Wo;
        for (int64_t f = 0; f < g.F; ++f) {  // keep the Wo real columns of each wide row, add the bias
          const T b = pb ? pb[f] : T(0);
          for (int64_t ho = 0; ho < g.Ho; ++ho)
            for (int64_t wo = 0; wo < g.Wo; ++wo) yn[(f * g.Ho + ho) * g.Wo + wo] = yw[f * g.Lw + ho * g.Wp + wo] + b;
        }
      }
    }
  });
}

void shifted_conv2d_backward(const Tensor& grad_y, const Tensor& x, const Tensor& weight, const Window2d& w,
                             const Tensor& grad_x, const Tensor& grad_weight, const Tensor& grad_bias, int teams) {
  const Geometry g = geometry(x, weight, w);
  dispatch_float(x.dtype(), "conv2d_backward", [&]<typename T>() {
    using Acc = acc_t<T>;
    const T* px = static_cast<const T*>(x.raw_data());
    const T* pg = static_cast<const T*>(grad_y.raw_data());
    const std::vector<T> wk = taps_of(static_cast<const T*>(weight.raw_data()), g);
    const bool need_w = grad_weight.defined(), need_x = grad_x.defined();
    const int64_t taps = g.KK * g.F * g.C;
    // Per team: xp [C, plane], dxp [C, plane], g_wide [F, Lw], dW taps [KK, F, C].
    const int64_t per_team = 2 * g.C * g.plane + g.F * g.Lw + taps;
    const Tensor scratch = Tensor::empty({teams * per_team}, x.options());
    std::vector<Acc> partial_db(grad_bias.defined() ? teams * g.F : 0, Acc(0));
#pragma omp parallel num_threads(teams) if (teams > 1)
    {
      const int t = teams > 1 ? omp_get_thread_num() : 0;
      T* xp = static_cast<T*>(scratch.raw_data()) + t * per_team;
      T* dxp = xp + g.C * g.plane;
      T* gw = dxp + g.C * g.plane;
      T* dwk = gw + g.F * g.Lw;
      std::fill(gw, gw + g.F * g.Lw, T(0));     // junk columns stay 0
      std::fill(xp, xp + g.C * g.plane, T(0));  // the zero border, once
      if (need_w) std::fill(dwk, dwk + taps, T(0));
      const auto [first, last] = images_of(t, teams, g.N);
      for (int64_t n = first; n < last; ++n) {
        const T* gn = pg + n * g.F * g.Ho * g.Wo;
        for (int64_t f = 0; f < g.F; ++f)
          for (int64_t ho = 0; ho < g.Ho; ++ho)
            for (int64_t wo = 0; wo < g.Wo; ++wo) gw[f * g.Lw + ho * g.Wp + wo] = gn[(f * g.Ho + ho) * g.Wo + wo];
        if (need_w) {  // dW(k) += g_wide @ xp_shifted^T
          pad_image(px + n * g.C * g.H * g.W, g, xp);
          for (int64_t k = 0; k < g.KK; ++k)
            gemm(CblasNoTrans, CblasTrans, g.F, g.C, g.Lw, T(1), gw, g.Lw, xp + g.shift(k), g.plane, T(1),
                 dwk + k * g.F * g.C, g.C);
        }
        if (need_x) {  // dxp[:, shift(k) ...] += W(k)^T @ g_wide, then the interior is dx[n]
          std::fill(dxp, dxp + g.C * g.plane, T(0));
          for (int64_t k = 0; k < g.KK; ++k)
            gemm(CblasTrans, CblasNoTrans, g.C, g.Lw, g.F, T(1), wk.data() + k * g.F * g.C, g.C, gw, g.Lw, T(1),
                 dxp + g.shift(k), g.plane);
          T* dxn = static_cast<T*>(grad_x.raw_data()) + n * g.C * g.H * g.W;
          for (int64_t c = 0; c < g.C; ++c)
            for (int64_t yy = 0; yy < g.H; ++yy)
              for (int64_t xx = 0; xx < g.W; ++xx)
                dxn[(c * g.H + yy) * g.W + xx] = dxp[c * g.plane + (yy + g.ph) * g.Wp + xx + g.pw];
        }
        if (grad_bias.defined())
          for (int64_t f = 0; f < g.F; ++f) {
            Acc sum = 0;
#pragma omp simd reduction(+ : sum)
            for (int64_t l = 0; l < g.Ho * g.Wo; ++l) sum += gn[f * g.Ho * g.Wo + l];
            partial_db[t * g.F + f] += sum;
          }
      }
    }
    if (need_w) {  // sum the teams' taps in team order, then back to [F, C, kh, kw]
      std::vector<T> total(static_cast<size_t>(taps), T(0));
      for (int t = 0; t < teams; ++t) {
        const T* dwk = static_cast<const T*>(scratch.raw_data()) + t * per_team + 2 * g.C * g.plane + g.F * g.Lw;
        for (int64_t i = 0; i < taps; ++i) total[i] += dwk[i];
      }
      T* dw = static_cast<T*>(grad_weight.raw_data());
      for (int64_t f = 0; f < g.F; ++f)
        for (int64_t c = 0; c < g.C; ++c)
          for (int64_t k = 0; k < g.KK; ++k) dw[(f * g.C + c) * g.KK + k] = total[(k * g.F + f) * g.C + c];
    }
    if (grad_bias.defined()) {
      T* db = static_cast<T*>(grad_bias.raw_data());
      for (int64_t f = 0; f < g.F; ++f) {
        Acc sum = 0;
        for (int t = 0; t < teams; ++t) sum += partial_db[t * g.F + f];
        db[f] = static_cast<T>(sum);
      }
    }
  });
}

}  // namespace rill::cpu
