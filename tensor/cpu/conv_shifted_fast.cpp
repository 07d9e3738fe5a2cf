// rill CPU — stride-1 convolution on rill's own GEMMs (sgemm.h), float32.
//
// The method is conv_shifted.h's (padded image, wide rows, taps as shifts); what differs
// is that all kh*kw taps are one GEMM instead of kh*kw, so each output tile is written
// once instead of kh*kw times, and the GEMM reads the shifted rows of the padded image
// through pointers (no copy):
//
//   forward   y_wide [F, Lw]     = Wf [F, KK*C] @ B        B row (k, c): xp[c] + shift(k)
//             Wf[f, (k, c)] = weight[f, c, k]
//   dX        dxp [C, (rows ph..ph+H) x Wp] = Wt [C, KK*F] @ B'
//             B' row (k, f): g_wide[f] read shift(k) earlier,  Wt[c, (k, f)] = weight[f, c, k]
//             (the transposed convolution as a gather: dxp[c, p] = sum_(k,f) W(k)[f,c]
//              g_wide[f, p - shift(k)]; g_wide sits in a buffer with S = shift(KK-1) zeros
//              on either side, so every shifted row is in bounds and reads 0 off the image)
//   dW        dW [F, (k, c)]     = sum_l g_wide[f, l] xp[c, shift(k) + l]      (gemm_nt)
//
// Junk columns of g_wide (wo >= Wo) are zero, so they add nothing to dX or dW.
#include <omp.h>

#include <algorithm>
#include <vector>

#include "tensor/cpu/conv_shifted.h"
#include "tensor/cpu/sgemm.h"

namespace rill::cpu {
namespace {

// threads -> (teams over images, GEMM threads inside each team): whole images per thread
// while there are enough of them; else one team whose GEMMs split the pixels.
std::pair<int, int> split(int64_t N, int threads) {
  if (N >= threads || threads == 1) return {static_cast<int>(std::clamp<int64_t>(N, 1, threads)), 1};
  return {1, threads};
}

std::pair<int64_t, int64_t> images_of(int t, int teams, int64_t N) { return {N * t / teams, N * (t + 1) / teams}; }

// dst[0..n) = src[0..n) + b: one row of the output (restrict: the loop vectorises without
// a run-time overlap check).
inline void add_row(const float* __restrict src, float b, int64_t n, float* __restrict dst) {
  for (int64_t i = 0; i < n; ++i) dst[i] = src[i] + b;
}

}  // namespace

void shifted_conv2d_fast(const Tensor& x, const Tensor& weight, const Tensor& bias, const Window2d& w,
                         const Tensor& y, int threads) {
  const Geometry g = geometry(x, weight, w);
  const auto [teams, sub] = split(g.N, threads);
  const int64_t K = g.KK * g.C;
  const float* px = static_cast<const float*>(x.raw_data());
  const float* pb = bias.defined() ? static_cast<const float*>(bias.raw_data()) : nullptr;
  const float* pw = static_cast<const float*>(weight.raw_data());
  float* py = static_cast<float*>(y.raw_data());
  // Scratch from the caching allocator (nothing new from the system once a step has run):
  // Wf [F, KK*C], Wf packed once for every image, then per team xp, y_wide, the B panels.
  const int64_t packed = packed_a_floats(g.F, K), packing = gemm_panel_scratch(sub);
  const int64_t per_team = g.C * g.plane + g.F * g.Lw + packing;
  const Tensor scratch = Tensor::empty({g.F * K + packed + teams * per_team}, x.options());
  float* wf = static_cast<float*>(scratch.raw_data());
  float* wf_packed = wf + g.F * K;
  for (int64_t f = 0; f < g.F; ++f)
    for (int64_t c = 0; c < g.C; ++c)
      for (int64_t k = 0; k < g.KK; ++k) wf[(f * g.KK + k) * g.C + c] = pw[(f * g.C + c) * g.KK + k];
  pack_a_rows(g.F, K, wf, K, wf_packed);
  std::vector<const float*> rows(static_cast<size_t>(teams * K));
#pragma omp parallel num_threads(teams) if (teams > 1)
  {
    const int t = teams > 1 ? omp_get_thread_num() : 0;
    float* xp = wf_packed + packed + t * per_team;
    float* yw = xp + g.C * g.plane;
    float* gs = yw + g.F * g.Lw;
    const float** b = rows.data() + t * K;
    for (int64_t k = 0; k < g.KK; ++k)
      for (int64_t c = 0; c < g.C; ++c) b[k * g.C + c] = xp + c * g.plane + g.shift(k);
    std::fill(xp, xp + g.C * g.plane, 0.0f);  // the zero border, once
    const auto [first, last] = images_of(t, teams, g.N);
    for (int64_t n = first; n < last; ++n) {
      pad_image(px + n * g.C * g.H * g.W, g, xp);
      gemm_nn_packed(g.F, g.Lw, K, wf_packed, b, yw, g.Lw, false, gs, sub);
      float* yn = py + n * g.F * g.Ho * g.Wo;
      for (int64_t f = 0; f < g.F; ++f) {  // keep the Wo real columns of each wide row, add the bias
        const float bf = pb ? pb[f] : 0.0f;
        for (int64_t ho = 0; ho < g.Ho; ++ho)
          add_row(yw + f * g.Lw + ho * g.Wp, bf, g.Wo, yn + (f * g.Ho + ho) * g.Wo);
      }
    }
  }
}

void shifted_conv2d_backward_fast(const Tensor& grad_y, const Tensor& x, const Tensor& weight, const Window2d& w,
                                  const Tensor& grad_x, const Tensor& grad_weight, const Tensor& grad_bias,
                                  int threads) {
  const Geometry g = geometry(x, weight, w);
  const auto [teams, sub] = split(g.N, threads);
  const bool need_w = grad_weight.defined(), need_x = grad_x.defined();
  const int64_t Kx = g.KK * g.F, taps = g.KK * g.F * g.C;
  const int64_t S = g.shift(g.KK - 1), Lg = 2 * S + g.Lw;  // g_wide's row: S zeros, Lw, S zeros
  const int64_t Lx = g.H * g.Wp;                            // dX's wide rows: ph .. ph+H of xp
  const float* px = static_cast<const float*>(x.raw_data());
  const float* pg = static_cast<const float*>(grad_y.raw_data());
  const float* pw = static_cast<const float*>(weight.raw_data());
  const int64_t wt_size = need_x ? g.C * Kx : 0, packed = need_x ? packed_a_floats(g.C, Kx) : 0;
  const int64_t packing = need_x ? gemm_panel_scratch(sub) : 0;
  // dW sums over images: G images at a time make one gemm_nt whose dot products run on
  // from one image to the next (segments), so small images (a 7x7 row is 63 long) still
  // give long sums. The padded images and gradients of a group lie one after another.
  const int64_t G = std::clamp<int64_t>((512 + g.Lw - 1) / g.Lw, 1, (g.N + teams - 1) / teams);
  const int64_t x_image = g.C * g.plane, g_image = g.F * Lg;
  // Per team: xp [G][C, plane], g_wide [G][F, Lg], dxp [C, Lx], dW [F, KK*C], the GEMM's packing.
  const int64_t dw_at = G * (x_image + g_image) + g.C * Lx;
  const int64_t per_team = dw_at + taps + packing;
  // Scratch from the caching allocator: Wt [C, KK*F] and Wt packed once for every image,
  // then the teams' buffers.
  const Tensor scratch = Tensor::empty({wt_size + packed + teams * per_team}, x.options());
  float* wt = static_cast<float*>(scratch.raw_data());
  float* wt_packed = wt + wt_size;
  float* teams_space = wt_packed + packed;
  for (int64_t f = 0; need_x && f < g.F; ++f)
    for (int64_t c = 0; c < g.C; ++c)
      for (int64_t k = 0; k < g.KK; ++k) wt[(c * g.KK + k) * g.F + f] = pw[(f * g.C + c) * g.KK + k];
  if (need_x) pack_a_rows(g.C, Kx, wt, Kx, wt_packed);
  const int64_t nptr = g.F + g.KK * g.C + Kx;  // dW's A rows and B rows, dX's B rows
  std::vector<const float*> ptrs(static_cast<size_t>(teams * nptr));
  std::vector<double> partial_db(grad_bias.defined() ? teams * g.F : 0, 0.0);
#pragma omp parallel num_threads(teams) if (teams > 1)
  {
    const int t = teams > 1 ? omp_get_thread_num() : 0;
    float* xp = teams_space + t * per_team;
    float* gpad = xp + G * x_image;
    float* dxp = gpad + G * g_image;
    float* dwk = dxp + g.C * Lx;
    float* gs = dwk + taps;
    const float** a_w = ptrs.data() + t * nptr;  // g_wide rows (image 0 of the group)
    const float** b_w = a_w + g.F;               // xp rows, shifted by tap (image 0)
    const float** b_x = b_w + g.KK * g.C;        // g_wide rows of one image, shifted back by tap
    for (int64_t f = 0; f < g.F; ++f) a_w[f] = gpad + f * Lg + S;
    for (int64_t k = 0; k < g.KK; ++k)
      for (int64_t c = 0; c < g.C; ++c) b_w[k * g.C + c] = xp + c * g.plane + g.shift(k);
    std::fill(xp, xp + G * (x_image + g_image), 0.0f);  // zero borders and junk columns, once
    std::fill(dwk, dwk + taps, 0.0f);
    const auto [first, last] = images_of(t, teams, g.N);
    for (int64_t n0 = first; n0 < last; n0 += G) {
      const int64_t count = std::min(G, last - n0);
      for (int64_t i = 0; i < count; ++i) {  // g[n] -> the real columns of g_wide; x[n] -> xp
        const float* gn = pg + (n0 + i) * g.F * g.Ho * g.Wo;
        for (int64_t f = 0; f < g.F; ++f) {
          float* gw = gpad + i * g_image + f * Lg + S;
          for (int64_t ho = 0; ho < g.Ho; ++ho) add_row(gn + (f * g.Ho + ho) * g.Wo, 0.0f, g.Wo, gw + ho * g.Wp);
        }
        if (need_w) pad_image(px + (n0 + i) * g.C * g.H * g.W, g, xp + i * x_image);
      }
      if (need_w)  // dW [F, (k, c)] += sum over the group's images of g_wide . xp shifted
        gemm_nt(g.F, g.KK * g.C, g.Lw, a_w, b_w, dwk, g.KK * g.C, true, sub, count, g_image, x_image);
      for (int64_t i = 0; need_x && i < count; ++i) {  // dxp = Wt @ g_wide shifted back; dx[n] is its interior
        for (int64_t k = 0; k < g.KK; ++k)
          for (int64_t f = 0; f < g.F; ++f)
            b_x[k * g.F + f] = gpad + i * g_image + f * Lg + S - g.shift(k) + g.ph * g.Wp;
        gemm_nn_packed(g.C, Lx, Kx, wt_packed, b_x, dxp, Lx, false, gs, sub);
        float* dxn = static_cast<float*>(grad_x.raw_data()) + (n0 + i) * g.C * g.H * g.W;
        for (int64_t c = 0; c < g.C; ++c)
          for (int64_t yy = 0; yy < g.H; ++yy) add_row(dxp + c * Lx + yy * g.Wp + g.pw, 0.0f, g.W, dxn + (c * g.H + yy) * g.W);
      }
      for (int64_t i = 0; grad_bias.defined() && i < count; ++i) {
        const float* gn = pg + (n0 + i) * g.F * g.Ho * g.Wo;
        for (int64_t f = 0; f < g.F; ++f) {
          double sum = 0;
#pragma omp simd reduction(+ : sum)
          for (int64_t l = 0; l < g.Ho * g.Wo; ++l) sum += gn[f * g.Ho * g.Wo + l];
          partial_db[t * g.F + f] += sum;
        }
      }
    }
  }
  if (need_w) {  // the teams' sums in team order, then [F, (k, c)] -> [F, C, kh, kw]
    float* dw = static_cast<float*>(grad_weight.raw_data());
    for (int64_t f = 0; f < g.F; ++f)
      for (int64_t c = 0; c < g.C; ++c)
        for (int64_t k = 0; k < g.KK; ++k) {
          float sum = 0.0f;
          for (int t = 0; t < teams; ++t)
            sum += teams_space[t * per_team + dw_at + (f * g.KK + k) * g.C + c];
          dw[(f * g.C + c) * g.KK + k] = sum;
        }
  }
  if (grad_bias.defined()) {
    float* db = static_cast<float*>(grad_bias.raw_data());
    for (int64_t f = 0; f < g.F; ++f) {
      double sum = 0;
      for (int t = 0; t < teams; ++t) sum += partial_db[t * g.F + f];
      db[f] = static_cast<float>(sum);
    }
  }
}

}  // namespace rill::cpu
