// rill's own float32 GEMMs (tensor/cpu/sgemm.h) against float64 loops, on every micro-
// kernel this CPU can run, and the convolutions built on them (conv_shifted_fast.cpp)
// against the float64 reference path (conv_shifted.cpp on BLAS).
#include <cmath>
#include <random>

#include "helpers.h"
#include "tensor/cpu/conv_shifted.h"
#include "tensor/cpu/sgemm.h"

using namespace rill;
using namespace rill::cpu;
using rill::test::values;

namespace {

std::vector<GemmIsa> runnable_isas() {
  std::vector<GemmIsa> isas;
  for (GemmIsa isa : {GemmIsa::generic, GemmIsa::avx2, GemmIsa::avx512})
    if (gemm_isa_supported(isa)) isas.push_back(isa);
  return isas;
}

// Restores the ISA (and the conv GEMM) a test changed.
struct IsaGuard {
  GemmIsa isa = gemm_isa();
  ConvGemm conv = conv_gemm();
  bool winograd = winograd_enabled();
  ~IsaGuard() {
    set_gemm_isa(isa);
    set_conv_gemm(conv);
    set_winograd(winograd);
  }
};

std::vector<float> random_floats(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> v(n);
  for (float& e : v) e = normal(rng);
  return v;
}

struct Shape3 {
  int64_t M, N, K;
};

// Edges of every blocking: one row/column, rows not a multiple of MR (8, 4, 2), columns
// not a multiple of NR (48, 24, 16, 6), K across the packed slice (128) and the dot
// slice (1024), and an empty sum.
const Shape3 kShapes[] = {{1, 1, 1},     {9, 47, 3},      {8, 48, 128},   {17, 49, 129},
                          {32, 100, 288}, {5, 200, 1025}, {64, 63, 576}, {3, 7, 0}};

// |C - C_ref| <= tol * sum_k |a_ik b_kj|: float32 rounding of a K-term sum.
void require_gemm_close(const std::vector<float>& C, const std::vector<double>& ref, const std::vector<double>& mag,
                        int64_t ldc, const Shape3& s) {
  for (int64_t i = 0; i < s.M; ++i)
    for (int64_t j = 0; j < s.N; ++j) {
      const double err = std::abs(C[i * ldc + j] - ref[i * s.N + j]);
      INFO("C[" << i << ", " << j << "] = " << C[i * ldc + j] << ", float64 " << ref[i * s.N + j]);
      REQUIRE(err <= 1e-6 * (mag[i * s.N + j] + 1) * (static_cast<double>(s.K) + 4));
    }
}

}  // namespace

TEST_CASE("gemm_nn, gemm and gemm_nt match float64 products on every runnable micro-kernel", "[tensor][sgemm]") {
  IsaGuard guard;
  REQUIRE(gemm_isa_supported(GemmIsa::generic));
  REQUIRE(gemm_isa_supported(best_gemm_isa()));
  for (GemmIsa isa : runnable_isas()) {
    set_gemm_isa(isa);
    for (const Shape3& s : kShapes)
      for (int threads : {1, 3})
        for (bool accumulate : {false, true}) {
          INFO(isa_name(isa) << " M " << s.M << " N " << s.N << " K " << s.K << " threads " << threads
                             << (accumulate ? " accumulate" : ""));
          const int64_t lda = s.K + 3, ldc = s.N + 5;  // padded rows: strides are honoured
          const std::vector<float> A = random_floats(s.M * lda, 1), B = random_floats(s.K * s.N + 1, 2);
          const std::vector<float> C0 = random_floats(s.M * ldc, 3);
          std::vector<float> Bt(static_cast<size_t>(s.N * s.K + 1));  // B^T [N, K] for gemm_nt
          for (int64_t k = 0; k < s.K; ++k)
            for (int64_t j = 0; j < s.N; ++j) Bt[j * s.K + k] = B[k * s.N + j];
          std::vector<double> ref(s.M * s.N), mag(s.M * s.N);
          for (int64_t i = 0; i < s.M; ++i)
            for (int64_t j = 0; j < s.N; ++j) {
              double sum = accumulate ? C0[i * ldc + j] : 0.0, m = 0;
              for (int64_t k = 0; k < s.K; ++k) {
                sum += double(A[i * lda + k]) * B[k * s.N + j];
                m += std::abs(double(A[i * lda + k]) * B[k * s.N + j]);
              }
              ref[i * s.N + j] = sum, mag[i * s.N + j] = m;
            }
          std::vector<const float*> b_rows(s.K), a_rows(s.M), bt_rows(s.N);
          for (int64_t k = 0; k < s.K; ++k) b_rows[k] = B.data() + k * s.N;
          for (int64_t i = 0; i < s.M; ++i) a_rows[i] = A.data() + i * lda;
          for (int64_t j = 0; j < s.N; ++j) bt_rows[j] = Bt.data() + j * s.K;

          std::vector<float> C = C0, scratch(gemm_scratch(s.M, s.K, threads));
          gemm_nn(s.M, s.N, s.K, A.data(), lda, b_rows.data(), C.data(), ldc, accumulate, scratch.data(), threads);
          require_gemm_close(C, ref, mag, ldc, s);
          C = C0;
          gemm_nt(s.M, s.N, s.K, a_rows.data(), bt_rows.data(), C.data(), ldc, accumulate, threads);
          require_gemm_close(C, ref, mag, ldc, s);
          // gemm: A and B as strided views, each row-major or transposed (At [K, M], Bt [N, K]).
          std::vector<float> At(static_cast<size_t>(s.K * s.M + 1));
          for (int64_t i = 0; i < s.M; ++i)
            for (int64_t k = 0; k < s.K; ++k) At[k * s.M + i] = A[i * lda + k];
          for (const MatrixView& a : {MatrixView{A.data(), lda, 1}, MatrixView{At.data(), 1, s.M}})
            for (const MatrixView& b : {MatrixView{B.data(), s.N, 1}, MatrixView{Bt.data(), 1, s.K}}) {
              INFO("gemm, A " << (a.col_stride == 1 ? "row-major" : "transposed") << ", B "
                              << (b.col_stride == 1 ? "row-major" : "transposed"));
              C = C0;
              gemm(s.M, s.N, s.K, a, b, C.data(), ldc, accumulate, scratch.data(), threads);
              require_gemm_close(C, ref, mag, ldc, s);
            }
          for (int64_t i = 0; i < s.M; ++i)  // the padding of each row of C is never written
            for (int64_t j = s.N; j < ldc; ++j) REQUIRE(C[i * ldc + j] == C0[i * ldc + j]);
        }
  }
}

TEST_CASE("set_gemm_isa refuses what the CPU lacks and names it", "[tensor][sgemm]") {
  IsaGuard guard;
  for (GemmIsa isa : {GemmIsa::avx2, GemmIsa::avx512})
    if (!gemm_isa_supported(isa)) REQUIRE_ERROR(set_gemm_isa(isa), isa_name(isa));
  REQUIRE_NOTHROW(set_gemm_isa(GemmIsa::generic));
  REQUIRE(gemm_isa() == GemmIsa::generic);
}

namespace {

struct ConvCase {
  int64_t N, C, H, W, F, kh, kw;
  Window2d w;
};

// Float32 conv on rill's GEMMs against the float64 reference (shifted BLAS GEMMs):
// y, dx, dW, db, at `threads` OpenMP threads.
void require_conv_matches_reference(const ConvCase& c, int threads) {
  const Tensor x = test::pattern({c.N, c.C, c.H, c.W}, DType::Float32);
  const Tensor weight = test::pattern({c.F, c.C, c.kh, c.kw}, DType::Float32, 0.3);
  const Tensor bias = test::pattern({c.F}, DType::Float32);
  const int64_t Ho = c.w.out_h(c.H), Wo = c.w.out_w(c.W);
  const Tensor gy = test::pattern({c.N, c.F, Ho, Wo}, DType::Float32, 0.7);
  auto f64 = [](const Tensor& t) { return ops::to(t, DType::Float64); };

  Tensor y = Tensor::empty({c.N, c.F, Ho, Wo}, DType::Float32), yd = Tensor::empty({c.N, c.F, Ho, Wo}, DType::Float64);
  shifted_conv2d_fast(x, weight, bias, c.w, y, threads);
  shifted_conv2d(f64(x), f64(weight), f64(bias), c.w, yd, 1);
  const double scale = static_cast<double>(c.C * c.kh * c.kw);  // terms per output
  test::require_close(y, yd, 2e-6 * scale);

  Tensor dx = Tensor::empty(x.shape(), DType::Float32), dw = Tensor::empty(weight.shape(), DType::Float32);
  Tensor db = Tensor::empty(bias.shape(), DType::Float32);
  Tensor dxd = Tensor::empty(x.shape(), DType::Float64), dwd = Tensor::empty(weight.shape(), DType::Float64);
  Tensor dbd = Tensor::empty(bias.shape(), DType::Float64);
  shifted_conv2d_backward_fast(gy, x, weight, c.w, dx, dw, db, threads);
  shifted_conv2d_backward(f64(gy), f64(x), f64(weight), c.w, dxd, dwd, dbd, 1);
  test::require_close(dx, dxd, 2e-6 * c.F * c.kh * c.kw);
  test::require_close(dw, dwd, 2e-6 * c.N * Ho * Wo);
  test::require_close(db, dbd, 2e-6 * c.N * Ho * Wo);

  // Only the gradients asked for: dx alone, then dW alone, are the same numbers.
  Tensor dx2 = Tensor::empty(x.shape(), DType::Float32), dw2 = Tensor::empty(weight.shape(), DType::Float32);
  shifted_conv2d_backward_fast(gy, x, weight, c.w, dx2, Tensor(), Tensor(), threads);
  shifted_conv2d_backward_fast(gy, x, weight, c.w, Tensor(), dw2, Tensor(), threads);
  test::require_close(dx2, dx, 0);
  test::require_close(dw2, dw, 0);
}

Window2d window(int64_t kh, int64_t kw, int64_t pad_h, int64_t pad_w, int64_t dh = 1, int64_t dw = 1) {
  Window2d w;
  w.kernel_h = kh, w.kernel_w = kw, w.pad_h = pad_h, w.pad_w = pad_w, w.dilation_h = dh, w.dilation_w = dw;
  return w;
}

}  // namespace

TEST_CASE("stride-1 convolutions on rill's GEMMs match the float64 reference path", "[tensor][sgemm][conv]") {
  IsaGuard guard;
  const ConvCase cases[] = {
      {3, 5, 7, 6, 9, 3, 3, window(3, 3, 1, 1)},        // the U-Net's window, odd sizes
      {2, 4, 5, 5, 3, 3, 3, window(3, 3, 0, 0)},        // no padding
      {2, 3, 8, 7, 4, 3, 3, window(3, 3, 2, 2)},        // padding wider than the kernel reaches
      {1, 2, 9, 9, 5, 5, 5, window(5, 5, 2, 1, 2, 1)},  // 5x5, dilation 2 rows, uneven padding
      {2, 3, 4, 6, 2, 1, 3, window(1, 3, 0, 1)},        // 1x3
      {2, 16, 14, 14, 16, 3, 3, window(3, 3, 1, 1)},    // full micro-kernel tiles
  };
  for (GemmIsa isa : runnable_isas()) {
    set_gemm_isa(isa);
    for (const ConvCase& c : cases)
      for (int threads : {1, 2, 4}) {  // 4 > N: the pixels of each image are split
        INFO(isa_name(isa) << " N " << c.N << " C " << c.C << " " << c.H << "x" << c.W << " F " << c.F << " kernel "
                           << c.kh << "x" << c.kw << " threads " << threads);
        require_conv_matches_reference(c, threads);
      }
  }
}

TEST_CASE("conv2d uses rill's GEMMs for float32 and gives the BLAS path's numbers", "[tensor][sgemm][conv]") {
  IsaGuard guard;
  REQUIRE(conv_gemm() == ConvGemm::rill);  // the default
  const Tensor x = test::pattern({2, 4, 6, 6}, DType::Float32), w = test::pattern({3, 4, 3, 3}, DType::Float32, 0.2);
  set_conv_gemm(ConvGemm::rill);
  const Tensor own = conv2d(x, w, {}, {.stride = 1, .padding = 1});
  set_conv_gemm(ConvGemm::blas);
  const Tensor blas = conv2d(x, w, {}, {.stride = 1, .padding = 1});
  test::require_close(own, blas, 1e-5);
}

TEST_CASE("strided and 1x1 convolutions (im2col path) on rill's GEMM match float64", "[tensor][sgemm][conv]") {
  IsaGuard guard;
  struct Case {
    Shape x, w;
    Conv2dOptions o;
  };
  const Case cases[] = {{{3, 4, 9, 8}, {6, 4, 3, 3}, {.stride = 2, .padding = 1}},  // the U-Net's downsampling
                        {{2, 5, 6, 6}, {3, 5, 1, 1}, {}},                          // 1x1: no columns
                        {{1, 3, 11, 7}, {4, 3, 4, 2}, {.stride = 3, .padding = 2, .dilation = 2}}};
  for (GemmIsa isa : runnable_isas()) {
    set_gemm_isa(isa);
    for (const Case& c : cases)
      for (int threads : {1, 2}) {
        INFO(isa_name(isa) << " weight " << c.w[2] << "x" << c.w[3] << " stride " << c.o.stride << " threads "
                           << threads);
        const int before = get_num_threads();
        set_num_threads(threads);
        Tensor grads[2][3], outs[2];
        for (int d = 0; d < 2; ++d) {  // float32 (own GEMM), then float64 (BLAS)
          const DType dtype = d == 0 ? DType::Float32 : DType::Float64;
          const Tensor x = requires_grad_(test::pattern(c.x, dtype));
          const Tensor w = requires_grad_(test::pattern(c.w, dtype, 0.4));
          const Tensor b = requires_grad_(test::pattern({c.w[0]}, dtype));
          outs[d] = conv2d(x, w, b, c.o);
          autograd::backward(outs[d], test::pattern(outs[d].shape(), dtype, 0.8));
          grads[d][0] = grad_of(x), grads[d][1] = grad_of(w), grads[d][2] = grad_of(b);
        }
        set_num_threads(before);
        test::require_close(outs[0], outs[1], 2e-5);
        for (int i = 0; i < 3; ++i) test::require_close(grads[0][i], grads[1][i], 2e-4);
      }
  }
}

TEST_CASE("Winograd F(2x2, 3x3) forward matches the float64 direct convolution within its error bound",
          "[tensor][sgemm][conv][winograd]") {
  IsaGuard guard;
  // Sizes: odd and even outputs (a last half tile), padding 0, 1 and 2, one channel (the
  // U-Net's first layer) and one filter (its last), and fewer images than threads.
  const ConvCase cases[] = {
      {3, 5, 7, 6, 9, 3, 3, window(3, 3, 1, 1)},   {2, 4, 5, 8, 3, 3, 3, window(3, 3, 0, 0)},
      {2, 3, 8, 7, 4, 3, 3, window(3, 3, 2, 2)},   {4, 1, 28, 28, 32, 3, 3, window(3, 3, 1, 1)},
      {2, 32, 14, 14, 1, 3, 3, window(3, 3, 1, 1)}, {5, 16, 7, 7, 16, 3, 3, window(3, 3, 1, 0)},
  };
  for (GemmIsa isa : runnable_isas()) {
    set_gemm_isa(isa);
    for (const ConvCase& c : cases)
      for (int threads : {1, 2, 8}) {
        INFO(isa_name(isa) << " N " << c.N << " C " << c.C << " " << c.H << "x" << c.W << " F " << c.F << " pad "
                           << c.w.pad_h << "," << c.w.pad_w << " threads " << threads);
        REQUIRE(winograd_applies(c.w));
        const Tensor x = test::pattern({c.N, c.C, c.H, c.W}, DType::Float32);
        const Tensor weight = test::pattern({c.F, c.C, 3, 3}, DType::Float32, 0.3);
        const Tensor bias = test::pattern({c.F}, DType::Float32);
        const int64_t Ho = c.w.out_h(c.H), Wo = c.w.out_w(c.W);
        Tensor y = Tensor::empty({c.N, c.F, Ho, Wo}, DType::Float32);
        Tensor yd = Tensor::empty({c.N, c.F, Ho, Wo}, DType::Float64);
        winograd_conv2d(x, weight, bias, c.w, y, threads);
        shifted_conv2d(ops::to(x, DType::Float64), ops::to(weight, DType::Float64), ops::to(bias, DType::Float64),
                       c.w, yd, 1);
        // Bound: each output sums 9C products; the transforms add a few roundings of
        // values up to 4x the inputs' size (B^T d B sums 4 terms twice, G g G^T halves),
        // so |error| <= 64 eps * sum |w| |x| over the window (+ the bias): checked with
        // sum |w| |x| <= 9 C max|w| max|x|.
        const std::vector<double> got = values(y), want = values(yd);
        const double max_w = ops::max(ops::abs(weight)).item(), max_x = ops::max(ops::abs(x)).item();
        const double bound = 64 * 1.2e-7 * (9.0 * c.C * max_w * max_x + 1.0);
        double worst = 0;
        for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::abs(got[i] - want[i]));
        INFO("largest error " << worst << ", bound " << bound);
        REQUIRE(worst <= bound);
        REQUIRE(worst > 0);  // float32 arithmetic really ran (not the float64 reference)
      }
  }
}

TEST_CASE("conv2d's forward takes Winograd when it is on and the direct GEMM by default", "[tensor][conv][winograd]") {
  IsaGuard guard;
  REQUIRE_FALSE(winograd_enabled());  // the default
  const Tensor x = test::pattern({2, 4, 9, 9}, DType::Float32), w = test::pattern({3, 4, 3, 3}, DType::Float32, 0.2);
  const Tensor direct = conv2d(x, w, {}, {.stride = 1, .padding = 1});
  set_winograd(true);
  const Tensor wino = conv2d(x, w, {}, {.stride = 1, .padding = 1});
  set_winograd(false);
  test::require_close(wino, direct, 1e-5);
  REQUIRE(values(wino) != values(direct));  // two different float32 computations
}
