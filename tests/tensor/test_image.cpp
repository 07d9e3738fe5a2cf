#include "helpers.h"

using namespace rill;
using rill::test::pattern;
using rill::test::require_close;
using rill::test::values;

namespace {

double dot(const Tensor& a, const Tensor& b) { return ops::sum(ops::mul(a, b)).item(); }

// Direct convolution (cross-correlation, as in PyTorch) in float64 loops.
// x: [N, C, H, W], w: [Cout, C, kh, kw] -> [N, Cout, Ho, Wo]
std::vector<double> conv_ref(const Tensor& x, const Tensor& w, const Window2d& g) {
  const auto xv = values(x), wv = values(w);
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), F = w.size(0);
  const int64_t Ho = g.out_h(H), Wo = g.out_w(W);
  std::vector<double> out;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t f = 0; f < F; ++f)
      for (int64_t ho = 0; ho < Ho; ++ho)
        for (int64_t wo = 0; wo < Wo; ++wo) {
          double s = 0;
          for (int64_t c = 0; c < C; ++c)
            for (int64_t i = 0; i < g.kernel_h; ++i)
              for (int64_t j = 0; j < g.kernel_w; ++j) {
                const int64_t y = ho * g.stride_h - g.pad_h + i * g.dilation_h;
                const int64_t xx = wo * g.stride_w - g.pad_w + j * g.dilation_w;
                if (y < 0 || y >= H || xx < 0 || xx >= W) continue;
                s += xv[((n * C + c) * H + y) * W + xx] * wv[((f * C + c) * g.kernel_h + i) * g.kernel_w + j];
              }
          out.push_back(s);
        }
  return out;
}

Window2d window(int64_t k, int64_t stride, int64_t pad, int64_t dilation, int64_t kw = -1) {
  Window2d g;
  g.kernel_h = k, g.kernel_w = kw < 0 ? k : kw;
  g.stride_h = g.stride_w = stride;
  g.pad_h = g.pad_w = pad;
  g.dilation_h = g.dilation_w = dilation;
  return g;
}

}  // namespace

TEST_CASE("im2col + GEMM equals direct convolution", "[tensor][image]") {
  const Tensor x = pattern({2, 3, 7, 6});
  for (const Window2d& g :
       {window(3, 1, 1, 1), window(3, 2, 1, 1), window(1, 1, 0, 1), window(3, 1, 2, 2), window(2, 3, 0, 1, 3)}) {
    INFO("kernel " << g.kernel_h << "x" << g.kernel_w << " stride " << g.stride_h << " pad " << g.pad_h << " dilation "
                   << g.dilation_h);
    const Tensor w = pattern({4, 3, g.kernel_h, g.kernel_w}, DType::Float64, 0.3);
    const Tensor cols = ops::im2col(x, g);
    CHECK(cols.shape() == Shape{2, 3 * g.kernel_h * g.kernel_w, g.out_h(7) * g.out_w(6)});
    const Tensor y = ops::matmul(ops::reshape(w, {4, -1}), cols);  // [N, Cout, Ho*Wo]
    require_close(y, conv_ref(x, w, g), 1e-13);
    // col2im is the adjoint of im2col: <im2col(x), c> == <x, col2im(c)>.
    const Tensor c = pattern(cols.shape(), DType::Float64, 0.7);
    CHECK(dot(cols, c) == Approx(dot(x, ops::col2im(c, g, 3, 7, 6))).epsilon(1e-12));
  }
  // A non-contiguous input gives the same columns.
  const Tensor xt = ops::transpose(pattern({2, 3, 6, 7}), 2, 3);
  require_close(ops::im2col(xt, window(3, 1, 1, 1)), values(ops::im2col(ops::contiguous(xt), window(3, 1, 1, 1))), 0);
  REQUIRE_ERROR(ops::im2col(zeros({3, 4, 4}), window(3, 1, 1, 1)),
                "im2col: expected a 4-D tensor [N, C, H, W], got shape [3, 4, 4]");
  REQUIRE_ERROR(ops::im2col(zeros({1, 1, 2, 2}), window(5, 1, 0, 1)),
                "im2col: a 5x5 kernel (dilation 1x1, padding 0x0) does not fit a 2x2 input");
  REQUIRE_ERROR(ops::col2im(zeros({1, 9, 5}), window(3, 1, 1, 1), 1, 4, 4),
                "col2im: expected columns [N, 9, 16] for C=1, H=4, W=4");
}

TEST_CASE("nearest upsampling and its adjoint", "[tensor][image]") {
  const Tensor x = tensor(std::vector<double>{1, 2, 3, 4}, {1, 1, 2, 2});
  require_close(ops::upsample_nearest2d(x, 2), {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4});
  const Tensor g = pattern({2, 3, 8, 6});
  const Tensor small = pattern({2, 3, 4, 3}, DType::Float64, 0.4);
  CHECK(dot(ops::upsample_nearest2d(small, 2), g) ==
        Approx(dot(small, ops::upsample_nearest2d_backward(g, 2))).epsilon(1e-12));
  require_close(ops::upsample_nearest2d_backward(ones({1, 1, 4, 4}, DType::Float64), 2), {4, 4, 4, 4});
  REQUIRE_ERROR(ops::upsample_nearest2d_backward(zeros({1, 1, 5, 4}), 2),
                "upsample_nearest2d_backward: gradient shape [1, 1, 5, 4] is not a multiple of scale 2");
}

TEST_CASE("average pooling matches the windowed mean - backward is its adjoint", "[tensor][image]") {
  const Tensor x = ops::reshape(arange(16, DType::Float64), {1, 1, 4, 4});
  require_close(ops::avg_pool2d(x, 2), {2.5, 4.5, 10.5, 12.5});
  // 3x3 windows, stride 1, padding 1: zero padding counts in the divisor (9).
  const Tensor p = ops::avg_pool2d(x, 3, 1, 1);
  CHECK(p.shape() == Shape{1, 1, 4, 4});
  CHECK(p.at({0, 0, 0, 0}) == Approx((0 + 1 + 4 + 5) / 9.0));
  CHECK(p.at({0, 0, 1, 1}) == Approx((0 + 1 + 2 + 4 + 5 + 6 + 8 + 9 + 10) / 9.0));
  for (auto [k, s, pad] : {std::tuple{2, 2, 0}, {3, 1, 1}, {3, 2, 1}}) {
    const Tensor in = pattern({2, 3, 7, 6});
    const Tensor out = ops::avg_pool2d(in, k, s, pad);
    const Tensor g = pattern(out.shape(), DType::Float64, 0.3);
    CHECK(dot(out, g) == Approx(dot(in, ops::avg_pool2d_backward(g, in.shape(), k, s, pad))).epsilon(1e-12));
  }
  REQUIRE_ERROR(ops::avg_pool2d(x, 2, 2, 2), "avg_pool2d: padding 2 must be at most half the kernel size 2");
  REQUIRE_ERROR(ops::avg_pool2d_backward(zeros({1, 1, 3, 3}, DType::Float64), {1, 1, 4, 4}, 2),
                "avg_pool2d_backward: gradient shape [1, 1, 3, 3] does not match output shape [1, 1, 2, 2]");
}

TEST_CASE("conv2d: the CPU's per-image lowering equals direct convolution and the batched default",
          "[tensor][image][conv]") {
  // The CPU backend overrides Backend::conv2d{,_backward} (im2col of the whole batch and
  // one batched GEMM) with one image per thread; both must agree for every window kind,
  // for batches smaller and larger than the thread count, and with the 1x1 shortcut.
  Backend& cpu = backend(Device::cpu());
  const int threads_before = get_num_threads();
  for (const int threads : {1, 2, 3})
    for (const int64_t N : {1, 2, 5})
      for (const Window2d& g : {window(3, 1, 1, 1), window(3, 2, 1, 1), window(1, 1, 0, 1), window(1, 2, 0, 1),
                                window(3, 1, 2, 2), window(2, 3, 0, 1, 3), window(2, 1, 1, 1, 3), window(3, 1, 0, 2)}) {
        set_num_threads(threads);
        INFO("threads " << threads << " N " << N << " kernel " << g.kernel_h << "x" << g.kernel_w << " stride "
                        << g.stride_h << " pad " << g.pad_h << " dilation " << g.dilation_h);
        const Tensor x = pattern({N, 3, 7, 6});
        const Tensor w = pattern({4, 3, g.kernel_h, g.kernel_w}, DType::Float64, 0.3);
        const Tensor b = pattern({4}, DType::Float64, 0.5);
        const Tensor y = ops::conv2d(x, w, Tensor(), g);
        require_close(ops::reshape(y, {N, 4, -1}), conv_ref(x, w, g), 1e-13);
        Tensor y_default = Tensor::empty(y.shape(), y.options());
        cpu.Backend::conv2d(x, w, b, g, y_default);
        require_close(ops::conv2d(x, w, b, g), values(y_default), 1e-13);

        const Tensor gy = pattern(y.shape(), DType::Float64, 0.9);
        const ops::Conv2dGrads d = ops::conv2d_backward(gy, x, w, g, true, true, true);
        Tensor dx = Tensor::empty(x.shape(), x.options()), dw = Tensor::empty(w.shape(), w.options()),
               db = Tensor::empty({4}, w.options());
        cpu.Backend::conv2d_backward(gy, x, w, g, dx, dw, db);
        require_close(d.x, values(dx), 1e-12);
        require_close(d.weight, values(dw), 1e-12);
        require_close(d.bias, values(db), 1e-12);
        // Only what is asked for is computed.
        const ops::Conv2dGrads only_w = ops::conv2d_backward(gy, x, w, g, false, true, false);
        CHECK((!only_w.x.defined() && !only_w.bias.defined()));
        require_close(only_w.weight, values(dw), 1e-12);
        // float32 follows float64.
        const auto f32 = [](const Tensor& t) { return ops::to(t, DType::Float32); };
        require_close(ops::conv2d(f32(x), f32(w), f32(b), g), values(y_default), 2e-6);
        const ops::Conv2dGrads d32 = ops::conv2d_backward(f32(gy), f32(x), f32(w), g, true, true, true);
        require_close(d32.x, values(dx), 1e-5);
        require_close(d32.weight, values(dw), 1e-5);
        require_close(d32.bias, values(db), 1e-5);
      }
  set_num_threads(threads_before);
  REQUIRE_ERROR(ops::conv2d(zeros({1, 3, 5, 5}, DType::Float64), zeros({2, 3, 3, 3}), Tensor(), window(3, 1, 1, 1)),
                "conv2d: input, weight and bias must share a dtype, got float64, float32 and none");
  REQUIRE_ERROR(ops::conv2d(zeros({1, 3, 5, 5}), zeros({2, 3, 3, 3}), zeros({3}), window(3, 1, 1, 1)),
                "conv2d: bias of shape [3], expected [2]");
}
