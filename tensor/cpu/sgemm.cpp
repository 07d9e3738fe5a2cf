// rill CPU — rill's own float32 GEMMs (sgemm.h explains what and why).
//
// gemm_nn, the classic blocked scheme (Goto's): A is packed into micro-panels of MR rows
// ([K][MR], zero-padded; once per call, or once for many calls: gemm_nn_packed), B is
// taken KC rows x NR columns at a time (sized to stay in L1 while every A micro-panel
// passes over it), and the micro-kernel keeps an MR x NR tile of C in registers for KC steps:
//
//   for each panel of NR columns of C:            (split across threads when asked)
//     for each slice of KC rows of B:  B[kc slice, panel]: read in place when B is given
//                                      as row pointers and the panel is full, else packed
//                                      ([KC][NR], zero-padded) into bp
//       for each block of MR rows of C:  C[block, panel] (+)= Ap[block, kc slice] @ B slice
//
// Reading B in place matters for convolutions: their B rows are the shifted rows of a
// padded image, and copying them into panels was ~25% of a convolution (measured).
//
// gemm_nt needs no packing: both operands are read along K where they are contiguous,
// and each micro-kernel keeps MR x NR vectors of partial dot products.
//
// Three micro-kernels per product, chosen at run time: AVX-512 (16 floats per register,
// 32 registers), AVX2+FMA (8 floats, 16 registers) and plain C++ (whatever the compiler
// makes of it). The tile sizes fill the register file: AVX-512 nn 8 x 48 = 24
// accumulators + 3 B vectors + 1 broadcast; AVX2 nn 4 x 24 = 12 + 3 + 1.
#include "tensor/cpu/sgemm.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace rill::cpu {
namespace {

constexpr int64_t kKc = 128;        // rows of B per packed panel: 128 x 48 floats = 24 KiB, half of L1
constexpr int kMaxMr = 8, kMaxNr = 48;  // the largest tile of any nn kernel (sizes the scratch)
constexpr int64_t kKcDot = 1024;    // nt: K slice so that MR + NR rows of it stay in L1

GemmIsa& isa_in_use();

// ---- storing a finished tile -------------------------------------------------------

// The kernels compute a whole MR x NR tile; at the edges of C only mr x nr of it is real.
void store_partial(const float* tile, int NR, float* c, int64_t ldc, int mr, int nr, bool accumulate) {
  for (int r = 0; r < mr; ++r)
    for (int j = 0; j < nr; ++j) c[r * ldc + j] = (accumulate ? c[r * ldc + j] : 0.0f) + tile[r * NR + j];
}

// ---- nn micro-kernels: C[mr, nr] (+)= sum_k a[k][0..MR) (outer) b[k][0..NR) --------------

// The kc x NR panel of B a micro-kernel reads: packed ([kc][NR], zero-padded), or, for a
// full panel of B given by row pointers, read where it lies (rows[k] + j0): the shifted
// rows of a padded image need no copy.
struct Panel {
  const float* packed;  // row k at packed + k * stride
  int64_t stride;
  const float* const* rows;
  int64_t j0;
};
template <bool kDirect>
inline const float* panel_row(const Panel& p, int64_t k) {
  return kDirect ? p.rows[k] + p.j0 : p.packed + k * p.stride;
}

template <int MR, int NR, bool kDirect>
void nn_generic_body(int64_t kc, const float* a, const Panel& p, float* c, int64_t ldc, int mr, int nr,
                     bool accumulate) {
  float t[MR * NR] = {};
  for (int64_t k = 0; k < kc; ++k, a += MR) {
    const float* b = panel_row<kDirect>(p, k);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 8
      for (int j = 0; j < NR; ++j) t[r * NR + j] += a[r] * b[j];
  }
  store_partial(t, NR, c, ldc, mr, nr, accumulate);
}
template <int MR, int NR>
void nn_generic(int64_t kc, const float* a, const Panel& p, float* c, int64_t ldc, int mr, int nr, bool accumulate) {
  p.rows ? nn_generic_body<MR, NR, true>(kc, a, p, c, ldc, mr, nr, accumulate)
         : nn_generic_body<MR, NR, false>(kc, a, p, c, ldc, mr, nr, accumulate);
}

template <bool kDirect>
__attribute__((target("avx2,fma"))) void nn_avx2_body(int64_t kc, const float* a, const Panel& p, float* c, int64_t ldc,
                                                 int mr, int nr, bool accumulate) {
  constexpr int MR = 4, NV = 3, NR = 8 * NV;
  __m256 t[MR][NV];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) t[r][v] = _mm256_setzero_ps();
  for (int64_t k = 0; k < kc; ++k, a += MR) {
    const float* b = panel_row<kDirect>(p, k);
    const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8), b2 = _mm256_loadu_ps(b + 16);
#pragma GCC unroll 4
    for (int r = 0; r < MR; ++r) {
      const __m256 ar = _mm256_broadcast_ss(a + r);
      t[r][0] = _mm256_fmadd_ps(ar, b0, t[r][0]);
      t[r][1] = _mm256_fmadd_ps(ar, b1, t[r][1]);
      t[r][2] = _mm256_fmadd_ps(ar, b2, t[r][2]);
    }
  }
  if (mr == MR && nr == NR) {
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) {
        float* out = c + r * ldc + 8 * v;
        _mm256_storeu_ps(out, accumulate ? _mm256_add_ps(_mm256_loadu_ps(out), t[r][v]) : t[r][v]);
      }
    return;
  }
  alignas(32) float tile[MR * NR];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) _mm256_store_ps(tile + r * NR + 8 * v, t[r][v]);
  store_partial(tile, NR, c, ldc, mr, nr, accumulate);
}
void nn_avx2(int64_t kc, const float* a, const Panel& p, float* c, int64_t ldc, int mr, int nr, bool accumulate) {
  p.rows ? nn_avx2_body<true>(kc, a, p, c, ldc, mr, nr, accumulate)
         : nn_avx2_body<false>(kc, a, p, c, ldc, mr, nr, accumulate);
}

template <int NV, bool kDirect>
__attribute__((target("avx512f"))) void nn_avx512_body(int64_t kc, const float* a, const Panel& p, float* c, int64_t ldc,
                                                 int mr, int nr, bool accumulate) {
  constexpr int MR = 8, NR = 16 * NV;
  __m512 t[MR][NV];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) t[r][v] = _mm512_setzero_ps();
  for (int64_t k = 0; k < kc; ++k, a += MR) {
    const float* b = panel_row<kDirect>(p, k);
    __m512 bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) bv[v] = _mm512_loadu_ps(b + 16 * v);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      const __m512 ar = _mm512_set1_ps(a[r]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) t[r][v] = _mm512_fmadd_ps(ar, bv[v], t[r][v]);
    }
  }
  if (mr == MR && nr == NR) {
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) {
        float* out = c + r * ldc + 16 * v;
        _mm512_storeu_ps(out, accumulate ? _mm512_add_ps(_mm512_loadu_ps(out), t[r][v]) : t[r][v]);
      }
    return;
  }
  alignas(64) float tile[MR * NR];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) _mm512_store_ps(tile + r * NR + 16 * v, t[r][v]);
  store_partial(tile, NR, c, ldc, mr, nr, accumulate);
}
// A narrow edge panel (nr <= 32 of 48 columns) runs a narrower tile: no work on the zeros.
void nn_avx512(int64_t kc, const float* a, const Panel& p, float* c, int64_t ldc, int mr, int nr, bool accumulate) {
  if (p.rows) return nn_avx512_body<3, true>(kc, a, p, c, ldc, mr, nr, accumulate);
  if (nr > 32) return nn_avx512_body<3, false>(kc, a, p, c, ldc, mr, nr, accumulate);
  if (nr > 16) return nn_avx512_body<2, false>(kc, a, p, c, ldc, mr, nr, accumulate);
  nn_avx512_body<1, false>(kc, a, p, c, ldc, mr, nr, accumulate);
}

// ---- the nn driver -----------------------------------------------------------------

// A (M x K, strided) -> ap: block ib holds rows ib*MR.. as [K][MR], rows past M zero.
template <int MR>
void pack_a(int64_t M, int64_t K, MatrixView A, float* ap) {
  for (int64_t i0 = 0; i0 < M; i0 += MR, ap += K * MR) {
    const int mr = static_cast<int>(std::min<int64_t>(MR, M - i0));
    for (int64_t k = 0; k < K; ++k) {
      for (int r = 0; r < mr; ++r) ap[k * MR + r] = A.data[(i0 + r) * A.row_stride + k * A.col_stride];
      for (int r = mr; r < MR; ++r) ap[k * MR + r] = 0.0f;
    }
  }
}

// Where B's elements are: K row pointers (rows contiguous), or a strided matrix.
struct BSource {
  const float* const* rows = nullptr;
  MatrixView view{};
};

// Rows k0..k0+kc of B, columns j0..j0+nr -> bp [kc][NR], columns past nr zero. Contiguous
// rows are copied; a transposed B (columns contiguous) is gathered column by column.
template <int NR>
void pack_b(const BSource& B, int64_t k0, int64_t kc, int64_t j0, int nr, float* bp) {
  if (B.rows || B.view.col_stride == 1) {
    for (int64_t k = 0; k < kc; ++k) {
      const float* src = B.rows ? B.rows[k0 + k] + j0 : B.view.data + (k0 + k) * B.view.row_stride + j0;
      std::memcpy(bp + k * NR, src, sizeof(float) * nr);
      if (nr < NR) std::memset(bp + k * NR + nr, 0, sizeof(float) * (NR - nr));
    }
    return;
  }
  for (int j = 0; j < nr; ++j) {
    const float* src = B.view.data + (j0 + j) * B.view.col_stride + k0 * B.view.row_stride;
    for (int64_t k = 0; k < kc; ++k) bp[k * NR + j] = src[k * B.view.row_stride];
  }
  for (int64_t k = 0; k < kc && nr < NR; ++k) std::memset(bp + k * NR + nr, 0, sizeof(float) * (NR - nr));
}

using NnKernel = void (*)(int64_t, const float*, const Panel&, float*, int64_t, int, int, bool);

int64_t packed_a_size(int64_t M, int64_t K) { return (M + kMaxMr - 1) / kMaxMr * kMaxMr * K; }

// ap: A packed by pack_a<MR>; panels: threads * kKc * kMaxNr floats for B.
template <int MR, int NR>
void nn_driver(NnKernel kernel, int64_t M, int64_t N, int64_t K, const float* ap, const BSource& B, float* C,
               int64_t ldc, bool accumulate, float* panels_space, int threads) {
  const int64_t panels = (N + NR - 1) / NR;
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (int64_t p = 0; p < panels; ++p) {
    const int64_t j0 = p * NR;
    const int nr = static_cast<int>(std::min<int64_t>(NR, N - j0));
    float* bp = panels_space + (threads > 1 ? omp_get_thread_num() : 0) * kKc * kMaxNr;
    for (int64_t k0 = 0; k0 < K; k0 += kKc) {
      const int64_t kc = std::min(kKc, K - k0);
      Panel panel{bp, NR, nullptr, j0};
      if (B.rows && nr == NR)
        panel.rows = B.rows + k0;  // read in place
      else
        pack_b<NR>(B, k0, kc, j0, nr, bp);
      for (int64_t i0 = 0; i0 < M; i0 += MR)
        kernel(kc, ap + i0 * K + k0 * MR, panel, C + i0 * ldc + j0, ldc,
               static_cast<int>(std::min<int64_t>(MR, M - i0)), nr, accumulate || k0 > 0);
    }
  }
}

// The micro-kernel's rows per block for the ISA in use (how A is packed).
int nn_mr() { return isa_in_use() == GemmIsa::avx512 ? 8 : 4; }

void pack_a_dispatch(int64_t M, int64_t K, MatrixView A, float* ap) {
  if (nn_mr() == 8) return pack_a<8>(M, K, A, ap);
  pack_a<4>(M, K, A, ap);
}

// ap: A packed by pack_a_dispatch (under the same ISA).
void nn_dispatch(int64_t M, int64_t N, int64_t K, const float* ap, const BSource& B, float* C, int64_t ldc,
                 bool accumulate, float* panels_space, int threads) {
  if (M == 0 || N == 0) return;
  if (K == 0) {  // an empty sum: C = 0 (or stays C)
    if (!accumulate)
      for (int64_t i = 0; i < M; ++i) std::fill(C + i * ldc, C + i * ldc + N, 0.0f);
    return;
  }
  switch (isa_in_use()) {
    case GemmIsa::avx512:
      return nn_driver<8, 48>(nn_avx512, M, N, K, ap, B, C, ldc, accumulate, panels_space, threads);
    case GemmIsa::avx2:
      return nn_driver<4, 24>(nn_avx2, M, N, K, ap, B, C, ldc, accumulate, panels_space, threads);
    case GemmIsa::generic: break;
  }
  nn_driver<4, 16>(nn_generic<4, 16>, M, N, K, ap, B, C, ldc, accumulate, panels_space, threads);
}

// ---- nt micro-kernels: C[mr, nr] (+)= sum over segments s of a_i,s . b_j,s over kc ------
// a and b hold MR and NR row pointers (already offset to the K slice); at the edges the
// driver repeats a real row, and only mr x nr results are stored. Segment s reads every
// row `s * stride` further on (the next image of a convolution): the dot products run on
// across segments in the same registers, and are reduced across lanes once.

struct Segments {
  int64_t count, a_stride, b_stride;
};

template <int MR, int NR>
void nt_generic(int64_t kc, const float* const* a, const float* const* b, const Segments& sg, float* c, int64_t ldc,
                int mr, int nr, bool accumulate) {
  for (int r = 0; r < std::min(mr, MR); ++r)
    for (int j = 0; j < std::min(nr, NR); ++j) {
      float sum = 0.0f;
      for (int64_t s = 0; s < sg.count; ++s) {
        const float *ar = a[r] + s * sg.a_stride, *bj = b[j] + s * sg.b_stride;
#pragma omp simd reduction(+ : sum)
        for (int64_t k = 0; k < kc; ++k) sum += ar[k] * bj[k];
      }
      c[r * ldc + j] = (accumulate ? c[r * ldc + j] : 0.0f) + sum;
    }
}

__attribute__((target("avx2,fma"))) float hsum(__m256 v) {
  const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 s2 = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(s2, _mm_movehdup_ps(s2)));
}

__attribute__((target("avx2,fma"))) void nt_avx2(int64_t kc, const float* const* a, const float* const* b,
                                                  const Segments& sg, float* c, int64_t ldc, int mr, int nr,
                                                  bool accumulate) {
  constexpr int MR = 2, NR = 4;
  __m256 t[MR][NR];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 8
    for (int j = 0; j < NR; ++j) t[r][j] = _mm256_setzero_ps();
  const int64_t full = kc / 8 * 8;
  float tail[MR * NR] = {};
  for (int64_t s = 0; s < sg.count; ++s) {
    const float *a0 = a[0] + s * sg.a_stride, *a1 = a[1] + s * sg.a_stride;
    const float* bs[NR];
#pragma GCC unroll 8
    for (int j = 0; j < NR; ++j) bs[j] = b[j] + s * sg.b_stride;
    for (int64_t k = 0; k < full; k += 8) {
      const __m256 x0 = _mm256_loadu_ps(a0 + k), x1 = _mm256_loadu_ps(a1 + k);
#pragma GCC unroll 4
      for (int j = 0; j < NR; ++j) {
        const __m256 bj = _mm256_loadu_ps(bs[j] + k);
        t[0][j] = _mm256_fmadd_ps(x0, bj, t[0][j]);
        t[1][j] = _mm256_fmadd_ps(x1, bj, t[1][j]);
      }
    }
    for (int j = 0; j < NR; ++j)
      for (int64_t k = full; k < kc; ++k) tail[j] += a0[k] * bs[j][k], tail[NR + j] += a1[k] * bs[j][k];
  }
  float tile[MR * NR];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 8
    for (int j = 0; j < NR; ++j) tile[r * NR + j] = hsum(t[r][j]) + tail[r * NR + j];
  store_partial(tile, NR, c, ldc, mr, nr, accumulate);
}

// The sum of the 16 lanes: fold 256-bit halves, 128-bit quarters, then within 128 bits.
// (_mm512_reduce_add_ps does the same, but GCC 12's header trips -Wuninitialized on its
// unmasked shuffles; the zero-masked forms with every lane kept are the same instructions.)
__attribute__((target("avx512f"))) float hsum(__m512 v) {
  constexpr __mmask16 all = 0xFFFF;
  v = _mm512_add_ps(v, _mm512_maskz_shuffle_f32x4(all, v, v, 0x4E));
  v = _mm512_add_ps(v, _mm512_maskz_shuffle_f32x4(all, v, v, 0xB1));
  v = _mm512_add_ps(v, _mm512_maskz_permute_ps(all, v, 0x4E));
  v = _mm512_add_ps(v, _mm512_maskz_permute_ps(all, v, 0xB1));
  return _mm512_cvtss_f32(v);
}

__attribute__((target("avx512f"))) void nt_avx512(int64_t kc, const float* const* a, const float* const* b,
                                                   const Segments& sg, float* c, int64_t ldc, int mr, int nr,
                                                   bool accumulate) {
  constexpr int MR = 4, NR = 6;
  __m512 t[MR][NR];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 8
    for (int j = 0; j < NR; ++j) t[r][j] = _mm512_setzero_ps();
  for (int64_t s = 0; s < sg.count; ++s) {
    const int64_t sa = s * sg.a_stride, sb = s * sg.b_stride;
    const float *a0 = a[0] + sa, *a1 = a[1] + sa, *a2 = a[2] + sa, *a3 = a[3] + sa;
    const float* bs[NR];
#pragma GCC unroll 8
    for (int j = 0; j < NR; ++j) bs[j] = b[j] + sb;
    for (int64_t k = 0; k < kc; k += 16) {
      // The last slice may be short: a masked load reads only the real lanes (no fault past the row).
      const __mmask16 m = kc - k >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (kc - k)) - 1);
      const __m512 x0 = _mm512_maskz_loadu_ps(m, a0 + k), x1 = _mm512_maskz_loadu_ps(m, a1 + k);
      const __m512 x2 = _mm512_maskz_loadu_ps(m, a2 + k), x3 = _mm512_maskz_loadu_ps(m, a3 + k);
#pragma GCC unroll 6
      for (int j = 0; j < NR; ++j) {
        const __m512 bj = _mm512_maskz_loadu_ps(m, bs[j] + k);
        t[0][j] = _mm512_fmadd_ps(x0, bj, t[0][j]);
        t[1][j] = _mm512_fmadd_ps(x1, bj, t[1][j]);
        t[2][j] = _mm512_fmadd_ps(x2, bj, t[2][j]);
        t[3][j] = _mm512_fmadd_ps(x3, bj, t[3][j]);
      }
    }
  }
  float tile[MR * NR];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 8
    for (int j = 0; j < NR; ++j) tile[r * NR + j] = hsum(t[r][j]);
  store_partial(tile, NR, c, ldc, mr, nr, accumulate);
}

using NtKernel = void (*)(int64_t, const float* const*, const float* const*, const Segments&, float*, int64_t, int,
                          int, bool);

template <int MR, int NR>
void nt_driver(NtKernel kernel, int64_t M, int64_t N, int64_t K, const float* const* a_rows,
               const float* const* b_rows, const Segments& sg, float* C, int64_t ldc, bool accumulate, int threads) {
  const int64_t panels = (N + NR - 1) / NR;
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (int64_t p = 0; p < panels; ++p) {  // NR rows of B stay in L1 while A's rows pass
    const int64_t j0 = p * NR;
    const int nr = static_cast<int>(std::min<int64_t>(NR, N - j0));
    const float* a[MR];
    const float* b[NR];
    for (int64_t k0 = 0; k0 < K || k0 == 0; k0 += kKcDot) {
      const int64_t kc = std::min(kKcDot, K - k0);
      for (int j = 0; j < NR; ++j) b[j] = b_rows[j0 + std::min(j, nr - 1)] + k0;
      for (int64_t i0 = 0; i0 < M; i0 += MR) {
        const int mr = static_cast<int>(std::min<int64_t>(MR, M - i0));
        for (int r = 0; r < MR; ++r) a[r] = a_rows[i0 + std::min(r, mr - 1)] + k0;
        kernel(kc, a, b, sg, C + i0 * ldc + j0, ldc, mr, nr, accumulate || k0 > 0);
      }
      if (K == 0) break;
    }
  }
}

// ---- choosing the ISA ----------------------------------------------------------------

GemmIsa& isa_in_use() {
  static GemmIsa isa = best_gemm_isa();
  return isa;
}

}  // namespace

const char* isa_name(GemmIsa isa) {
  switch (isa) {
    case GemmIsa::avx512: return "avx512";
    case GemmIsa::avx2: return "avx2";
    case GemmIsa::generic: break;
  }
  return "generic";
}

bool gemm_isa_supported(GemmIsa isa) {
  switch (isa) {
    case GemmIsa::avx512: return __builtin_cpu_supports("avx512f");
    case GemmIsa::avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case GemmIsa::generic: break;
  }
  return true;
}

GemmIsa best_gemm_isa() {
  for (GemmIsa isa : {GemmIsa::avx512, GemmIsa::avx2})
    if (gemm_isa_supported(isa)) return isa;
  return GemmIsa::generic;
}

GemmIsa gemm_isa() { return isa_in_use(); }

void set_gemm_isa(GemmIsa isa) {
  if (!gemm_isa_supported(isa))
    throw std::runtime_error(std::string("set_gemm_isa: this CPU does not support ") + isa_name(isa));
  isa_in_use() = isa;
}

int64_t gemm_scratch(int64_t M, int64_t K, int threads) { return packed_a_size(M, K) + gemm_panel_scratch(threads); }
int64_t gemm_panel_scratch(int threads) { return threads * kKc * kMaxNr; }
int64_t packed_a_floats(int64_t M, int64_t K) { return packed_a_size(M, K); }

void pack_a_rows(int64_t M, int64_t K, const float* A, int64_t lda, float* packed) {
  pack_a_dispatch(M, K, MatrixView{A, lda, 1}, packed);
}

void gemm_nn_packed(int64_t M, int64_t N, int64_t K, const float* packed_a, const float* const* b_rows, float* C,
                    int64_t ldc, bool accumulate, float* panels, int threads) {
  nn_dispatch(M, N, K, packed_a, BSource{b_rows, {}}, C, ldc, accumulate, panels, threads);
}

void gemm_nn(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* const* b_rows, float* C,
             int64_t ldc, bool accumulate, float* scratch, int threads) {
  pack_a_dispatch(M, K, MatrixView{A, lda, 1}, scratch);
  nn_dispatch(M, N, K, scratch, BSource{b_rows, {}}, C, ldc, accumulate, scratch + packed_a_size(M, K), threads);
}

void gemm(int64_t M, int64_t N, int64_t K, MatrixView A, MatrixView B, float* C, int64_t ldc, bool accumulate,
          float* scratch, int threads) {
  pack_a_dispatch(M, K, A, scratch);
  nn_dispatch(M, N, K, scratch, BSource{nullptr, B}, C, ldc, accumulate, scratch + packed_a_size(M, K), threads);
}

void gemm_nt(int64_t M, int64_t N, int64_t K, const float* const* a_rows, const float* const* b_rows, float* C,
             int64_t ldc, bool accumulate, int threads, int64_t segments, int64_t a_segment_stride,
             int64_t b_segment_stride) {
  const Segments sg{segments, a_segment_stride, b_segment_stride};
  if (M == 0 || N == 0) return;
  switch (isa_in_use()) {
    case GemmIsa::avx512: return nt_driver<4, 6>(nt_avx512, M, N, K, a_rows, b_rows, sg, C, ldc, accumulate, threads);
    case GemmIsa::avx2: return nt_driver<2, 4>(nt_avx2, M, N, K, a_rows, b_rows, sg, C, ldc, accumulate, threads);
    case GemmIsa::generic: break;
  }
  nt_driver<2, 2>(nt_generic<2, 2>, M, N, K, a_rows, b_rows, sg, C, ldc, accumulate, threads);
}

}  // namespace rill::cpu
