// rill CPU — 3x3 stride-1 convolution forward by Winograd's F(2x2, 3x3), float32.
//
// A 2x2 block of outputs of a 3x3 correlation needs 2*2*9 = 36 multiplications per
// channel pair; Winograd's minimal filtering (Lavin & Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2016) does it with 16, in a transformed space:
//
//   Y (2x2) = A^T [ (G g G^T) (.) (B^T d B) ] A        d: the 4x4 input patch, g: 3x3 filter
//
//   B^T = | 1  0 -1  0 |    G = | 1    0    0  |    A^T = | 1  1  1  0 |
//         | 0  1  1  0 |        | 1/2  1/2  1/2|          | 0  1 -1 -1 |
//         | 0 -1  1  0 |        | 1/2 -1/2  1/2|
//         | 0  1  0 -1 |        | 0    0    1  |
//
// Summed over input channels, the (.) product of each of the 16 transformed positions xi
// is a GEMM:  M[xi] [F, tiles] = U[xi] [F, C] @ V[xi] [C, tiles],  U = G g G^T, V = B^T d B.
// So a convolution becomes: transform the input patches (adds only), 16 GEMMs with 2.25x
// fewer multiplications than the direct GEMM (16 per 2x2 outputs instead of 4 * 9 = 36),
// transform back (adds only). The transforms are applied separably (rows, then columns)
// so that every loop runs over contiguous tiles and vectorises.
//
// Accuracy: every transform coefficient is 0, +-1 or +-1/2 (exact in float); the
// rounding error grows by a small constant over the direct sum (tested against the
// float64 direct convolution with an explicit bound). Only the forward pass uses it; the
// gradients stay on the direct GEMMs (conv_shifted_fast.cpp). Off by default
// (cpu::set_winograd): measured slower than the direct GEMM here (bench_conv).
#include <omp.h>

#include <algorithm>
#include <vector>

#include "tensor/cpu/conv_shifted.h"
#include "tensor/cpu/sgemm.h"

namespace rill::cpu {
namespace {

// U [16][F][C] = G g G^T for every filter g = weight[f, c] (3x3).
std::vector<float> transform_filters(const float* weight, int64_t F, int64_t C) {
  std::vector<float> u(static_cast<size_t>(16 * F * C));
  for (int64_t f = 0; f < F; ++f)
    for (int64_t c = 0; c < C; ++c) {
      const float* g = weight + (f * C + c) * 9;
      float t[4][3];  // G g: rows of G times the 3 rows of g
      for (int s = 0; s < 3; ++s) {
        t[0][s] = g[s];
        t[1][s] = 0.5f * (g[s] + g[3 + s] + g[6 + s]);
        t[2][s] = 0.5f * (g[s] - g[3 + s] + g[6 + s]);
        t[3][s] = g[6 + s];
      }
      for (int r = 0; r < 4; ++r) {  // (G g) G^T
        const float row[4] = {t[r][0], 0.5f * (t[r][0] + t[r][1] + t[r][2]), 0.5f * (t[r][0] - t[r][1] + t[r][2]),
                              t[r][2]};
        for (int s = 0; s < 4; ++s) u[((r * 4 + s) * F + f) * C + c] = row[s];
      }
    }
  return u;
}

struct Tiles {
  int64_t th, tw, T;  // tile rows, tile columns, tiles per image
  int64_t Hq, Wq;     // the padded image, extended to whole tiles: 2 th + 2, 2 tw + 2
};

// One channel of one image: xq [Hq, Wq] (padded) -> V[xi][.][0..T) at v + xi * vstride.
// Rows first (B^T d), at every column; then columns (. B) per tile, through the even and
// odd columns so that tile j's four inputs are e[j], o[j], e[j+1], o[j+1].
void input_transform(const float* xq, const Tiles& t, float* v, int64_t vstride, float* work) {
  float* rows = work;               // [4][Wq]: B^T applied to the 4 input rows of a tile row
  float* even = work + 4 * t.Wq;    // [4][tw + 1]
  float* odd = even + 4 * (t.tw + 1);
  for (int64_t i = 0; i < t.th; ++i) {
    const float *d0 = xq + 2 * i * t.Wq, *d1 = d0 + t.Wq, *d2 = d1 + t.Wq, *d3 = d2 + t.Wq;
    for (int64_t x = 0; x < t.Wq; ++x) {
      rows[x] = d0[x] - d2[x];
      rows[t.Wq + x] = d1[x] + d2[x];
      rows[2 * t.Wq + x] = d2[x] - d1[x];
      rows[3 * t.Wq + x] = d1[x] - d3[x];
    }
    for (int r = 0; r < 4; ++r) {
      const float* row = rows + r * t.Wq;
      float *e = even + r * (t.tw + 1), *o = odd + r * (t.tw + 1);
      for (int64_t j = 0; j <= t.tw; ++j) e[j] = row[2 * j], o[j] = row[2 * j + 1];
      float* out = v + i * t.tw;
      float *v0 = out + (r * 4) * vstride, *v1 = v0 + vstride, *v2 = v1 + vstride, *v3 = v2 + vstride;
      for (int64_t j = 0; j < t.tw; ++j) {
        v0[j] = e[j] - e[j + 1];
        v1[j] = o[j] + e[j + 1];
        v2[j] = e[j + 1] - o[j];
        v3[j] = o[j] - o[j + 1];
      }
    }
  }
}

// M[xi][f][tiles of one image] (at m + xi * mstride) -> y [Ho, Wo] of filter f, plus bias.
void output_transform(const float* m, int64_t mstride, const Tiles& t, int64_t Ho, int64_t Wo, float bias, float* y,
                      float* work) {
  float* s = work;  // [2][4][tw]: A^T applied along the first index
  for (int64_t i = 0; i < t.th; ++i) {
    for (int b = 0; b < 4; ++b) {
      const float *m0 = m + b * mstride + i * t.tw, *m1 = m0 + 4 * mstride, *m2 = m1 + 4 * mstride,
                  *m3 = m2 + 4 * mstride;
      float *s0 = s + b * t.tw, *s1 = s + (4 + b) * t.tw;
      for (int64_t j = 0; j < t.tw; ++j) {
        s0[j] = m0[j] + m1[j] + m2[j];
        s1[j] = m1[j] - m2[j] - m3[j];
      }
    }
    for (int a = 0; a < 2 && 2 * i + a < Ho; ++a) {
      const float *q0 = s + (4 * a) * t.tw, *q1 = q0 + t.tw, *q2 = q1 + t.tw, *q3 = q2 + t.tw;
      float* out = y + (2 * i + a) * Wo;
      for (int64_t j = 0; j < t.tw; ++j) {
        out[2 * j] = q0[j] + q1[j] + q2[j] + bias;
        if (2 * j + 1 < Wo) out[2 * j + 1] = q1[j] - q2[j] - q3[j] + bias;
      }
    }
  }
}

}  // namespace

bool winograd_applies(const Window2d& w) {
  return w.kernel_h == 3 && w.kernel_w == 3 && w.stride_h == 1 && w.stride_w == 1 && w.dilation_h == 1 &&
         w.dilation_w == 1;
}

void winograd_conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Window2d& w, const Tensor& y,
                     int threads) {
  const Geometry g = geometry(x, weight, w);
  Tiles t{};
  t.th = (g.Ho + 1) / 2, t.tw = (g.Wo + 1) / 2, t.T = t.th * t.tw;
  t.Hq = 2 * t.th + 2, t.Wq = 2 * t.tw + 2;
  const int teams = static_cast<int>(std::clamp<int64_t>(g.N, 1, threads));
  const int sub = g.N < threads ? threads : 1;  // fewer images than threads: split each GEMM
  // Images per GEMM: enough tiles for full micro-kernel panels (a 7x7 image has 16 tiles).
  const int64_t per_team_images = (g.N + teams - 1) / teams;
  const int64_t G = std::clamp<int64_t>((384 + t.T - 1) / t.T, 1, per_team_images);
  const int64_t Nt = G * t.T;  // tiles per GEMM
  const std::vector<float> u = transform_filters(static_cast<const float*>(weight.raw_data()), g.F, g.C);
  const float* px = static_cast<const float*>(x.raw_data());
  const float* pb = bias.defined() ? static_cast<const float*>(bias.raw_data()) : nullptr;
  float* py = static_cast<float*>(y.raw_data());
  const int64_t plane = t.Hq * t.Wq, work = 4 * t.Wq + 8 * (t.tw + 1);
  const int64_t packing = gemm_scratch(g.F, g.C, sub);
  // Per team: xq [G][C][plane], V [16][C][Nt], M [16][F][Nt], transform work, GEMM packing.
  const int64_t per_team = G * g.C * plane + 16 * g.C * Nt + 16 * g.F * Nt + work + packing;
  const Tensor scratch = Tensor::empty({teams * per_team}, x.options());
#pragma omp parallel num_threads(teams) if (teams > 1)
  {
    const int tm = teams > 1 ? omp_get_thread_num() : 0;
    float* xq = static_cast<float*>(scratch.raw_data()) + tm * per_team;
    float* v = xq + G * g.C * plane;
    float* m = v + 16 * g.C * Nt;
    float* wk = m + 16 * g.F * Nt;
    float* ps = wk + work;
    std::fill(xq, xq + G * g.C * plane, 0.0f);  // borders (and the extension to whole tiles) stay 0
    const int64_t first = g.N * tm / teams, last = g.N * (tm + 1) / teams;
    for (int64_t n0 = first; n0 < last; n0 += G) {
      const int64_t count = std::min(G, last - n0), cols = count * t.T;
      for (int64_t k = 0; k < count; ++k)  // pad, then transform every channel's patches
        for (int64_t c = 0; c < g.C; ++c) {
          const float* src = px + ((n0 + k) * g.C + c) * g.H * g.W;
          float* dst = xq + (k * g.C + c) * plane;
          for (int64_t r = 0; r < g.H; ++r)
            std::copy(src + r * g.W, src + (r + 1) * g.W, dst + (r + g.ph) * t.Wq + g.pw);
          input_transform(dst, t, v + c * Nt + k * t.T, g.C * Nt, wk);
        }
      for (int64_t xi = 0; xi < 16; ++xi)  // M[xi] [F, cols] = U[xi] [F, C] @ V[xi] [C, cols]
        gemm(g.F, cols, g.C, MatrixView{u.data() + xi * g.F * g.C, g.C, 1}, MatrixView{v + xi * g.C * Nt, Nt, 1},
             m + xi * g.F * Nt, Nt, false, ps, sub);
      for (int64_t k = 0; k < count; ++k)
        for (int64_t f = 0; f < g.F; ++f)
          output_transform(m + f * Nt + k * t.T, g.F * Nt, t, g.Ho, g.Wo, pb ? pb[f] : 0.0f,
                           py + ((n0 + k) * g.F + f) * g.Ho * g.Wo, wk);
    }
  }
}

}  // namespace rill::cpu
