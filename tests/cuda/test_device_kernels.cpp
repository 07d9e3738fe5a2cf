// Reductions, softmax, norms, matmul, indexing, image kernels and random numbers on
// every device against the CPU.
#include "cuda/device_test.h"

using namespace rill;
using namespace rill::test;

namespace {

// Float32 GEMMs and norms sum in other orders on the two devices: about k * 2^-24 apart.
double gemm_tol(DType d, int64_t k) { return d == DType::Float32 ? 1e-7 * static_cast<double>(k + 10) : 1e-12; }
}  // namespace

DEVICE_TEST_CASE("device: sum mean max min var and argmax over rows and columns", "[device][reduce]") {
  for (DType d : {DType::Float32, DType::Float64, DType::Int64}) {
    INFO("dtype " << dtype_name(d));
    // [3, 5000]: long rows use every thread of a block; the transpose reduces strided columns.
    Tensor x = pattern({3, 5000}, DType::Float64, 3.0);
    x = d == DType::Int64 ? ops::to(x, DType::Int64) : ops::to(x, d);
    const Tensor xd = on(device, x);
    for (const Axes& axes : {Axes{1}, Axes{0}, Axes{}}) {
      require_same(ops::sum(xd, axes), ops::sum(x, axes), tol_for(d));
      require_same(ops::max(xd, axes), ops::max(x, axes), 0.0);
      require_same(ops::min(xd, axes), ops::min(x, axes), 0.0);
      if (d != DType::Int64) {
        require_same(ops::mean(xd, axes), ops::mean(x, axes), tol_for(d));
        require_same(ops::var(xd, axes), ops::var(x, axes), tol_for(d));
        require_same(ops::var(xd, axes, 0), ops::var(x, axes, 0), tol_for(d));
      }
    }
    require_same(ops::argmax(xd, 1), ops::argmax(x, 1), 0.0);
    require_same(ops::argmax(xd, 0), ops::argmax(x, 0), 0.0);
    // [outer, n, inner] with inner > 1: few long columns (a block each), many short ones
    // (a thread each), and several axes at once (reduced in stages by the ops layer).
    Tensor y = pattern({4, 300, 5, 6}, DType::Float64, 3.0);
    y = d == DType::Int64 ? ops::to(y, DType::Int64) : ops::to(y, d);
    const Tensor yd = on(device, y);
    for (const Axes& axes : {Axes{1}, Axes{3}, Axes{0, 2}, Axes{1, 3}, Axes{0, 1, 2}}) {
      INFO("axes " << axes.size() << " starting at " << axes[0]);
      require_same(ops::sum(yd, axes), ops::sum(y, axes), tol_for(d));
      require_same(ops::max(yd, axes), ops::max(y, axes), 0.0);
      if (d != DType::Int64) {
        require_same(ops::mean(yd, axes, true), ops::mean(y, axes, true), tol_for(d));
        require_same(ops::var(yd, axes), ops::var(y, axes), tol_for(d));
      }
    }
    require_same(ops::argmax(yd, 1), ops::argmax(y, 1), 0.0);
    require_same(ops::argmax(yd, 2), ops::argmax(y, 2), 0.0);
  }
}

DEVICE_TEST_CASE("device: max and argmax keep the first extremum and let NaN win", "[device][reduce]") {
  const double nan = std::nan("");
  // Row 0: ties (3 at 1 and 600); row 1: NaN at 300 and 500; row 2: all equal.
  std::vector<double> v(3 * 700, 0.0);
  v[1] = 3, v[600] = 3, v[700 + 300] = nan, v[700 + 500] = nan, v[700 + 2] = 9;
  for (int i = 0; i < 700; ++i) v[1400 + i] = -1;
  const Tensor x = tensor(v, {3, 700});
  require_same(ops::argmax(on(device, x), 1), ops::argmax(x, 1), 0.0);
  require_same(ops::max(on(device, x), {1}), ops::max(x, {1}), 0.0);
  require_same(ops::min(on(device, x), {1}), ops::min(x, {1}), 0.0);
}

DEVICE_TEST_CASE("device: softmax log_softmax and logsumexp along every axis", "[device][reduce]") {
  for (DType d : kFloatTypes)
    for (int64_t dim : {0, 1, 2}) {
      INFO("dtype " << dtype_name(d) << ", dim " << dim);
      const Tensor x = ops::to(pattern({3, 6, 4}, DType::Float64, 4.0), d);
      require_same(ops::softmax(on(device, x), dim), ops::softmax(x, dim), tol_for(d));
      require_same(ops::log_softmax(on(device, x), dim), ops::log_softmax(x, dim), tol_for(d));
      require_same(ops::logsumexp(on(device, x), dim), ops::logsumexp(x, dim), tol_for(d));
    }
}

DEVICE_TEST_CASE("device: reductions and softmax in every launch geometry", "[device][reduce]") {
  // cuda/reduce.cu picks a thread, a warp or a block per line, and cuts long lines into
  // pieces combined by a second kernel; these shapes take every path.
  for (DType d : kFloatTypes) {
    INFO("dtype " << dtype_name(d));
    // Rows: a thread each (n <= 16), a warp each (n <= 1024), a block each (longer).
    for (int64_t n : {1, 7, 16, 17, 100, 1024, 1025, 3000}) {
      INFO("rows of " << n);
      const Tensor x = ops::to(pattern({37, n}, DType::Float64, 3.0), d), xd = on(device, x);
      require_same(ops::sum(xd, {1}), ops::sum(x, {1}), tol_for(d));
      require_same(ops::var(xd, {1}, 0), ops::var(x, {1}, 0), tol_for(d));
      require_same(ops::max(xd, {1}), ops::max(x, {1}), 0.0);
      require_same(ops::argmax(xd, 1), ops::argmax(x, 1), 0.0);
      require_same(ops::softmax(xd, 1), ops::softmax(x, 1), tol_for(d));
      require_same(ops::log_softmax(xd, 1), ops::log_softmax(x, 1), tol_for(d));
      require_same(ops::logsumexp(xd, 1), ops::logsumexp(x, 1), tol_for(d));
    }
    // One long line: a full reduction of 3 million values runs on hundreds of blocks.
    const Tensor big = ops::to(pattern({3000000}, DType::Float64, 2.0), d), bigd = on(device, big);
    require_same(ops::sum(bigd), ops::sum(big), tol_for(d));
    require_same(ops::mean(bigd), ops::mean(big), tol_for(d));
    require_same(ops::var(bigd, {0}), ops::var(big, {0}), tol_for(d));
    require_same(ops::min(bigd, {0}), ops::min(big, {0}), 0.0);
    // Few long columns: a thread per piece of each column.
    const Tensor cols = ops::to(pattern({200000, 3}, DType::Float64), d), colsd = on(device, cols);
    require_same(ops::sum(colsd, {0}), ops::sum(cols, {0}), tol_for(d));
    require_same(ops::var(colsd, {0}), ops::var(cols, {0}), tol_for(d));
    require_same(ops::argmax(colsd, 0), ops::argmax(cols, 0), 0.0);
  }
  // The first extremum and the first NaN win across pieces, too: a tie at 10 and 2.5
  // million, NaN at 1.5 and 2.9 million of a 3-million row (different pieces).
  std::vector<double> v(3000000, 0.0);
  v[10] = v[2500000] = 5;
  Tensor x = tensor(v);
  require_same(ops::argmax(on(device, x), 0), ops::argmax(x, 0), 0.0);
  v[1500000] = v[2900000] = std::nan("");
  x = tensor(v);
  require_same(ops::argmax(on(device, x), 0), ops::argmax(x, 0), 0.0);
  CHECK(std::isnan(ops::max(on(device, x), {0}).item()));
  // Layer norm: rows up to 1024 go to a warp each, longer ones to a block.
  for (int64_t D : {64, 2000}) {
    INFO("layer norm rows of " << D);
    const Tensor xl = pattern({5, D}, DType::Float64, 2.0), dy = pattern({5, D}, DType::Float64, 0.7);
    const ops::NormForward cpu = ops::layer_norm(xl, {D}, Tensor(), Tensor());
    const ops::NormForward dev = ops::layer_norm(on(device, xl), {D}, Tensor(), Tensor());
    require_same(dev.y, cpu.y, 1e-12);
    require_same(dev.rstd, cpu.rstd, 1e-12);
    require_same(ops::layer_norm_backward(on(device, dy), on(device, xl), dev, Tensor()).grad_x,
                 ops::layer_norm_backward(dy, xl, cpu, Tensor()).grad_x, 1e-12);
  }
}

DEVICE_TEST_CASE("device: group norm and layer norm forward and backward", "[device][norm]") {
  for (DType d : kFloatTypes) {
    INFO("dtype " << dtype_name(d));
    const double tol = d == DType::Float32 ? 1e-5 : 1e-12;
    const Tensor x = ops::to(pattern({3, 8, 5, 5}, DType::Float64, 2.0), d);
    const Tensor dy = ops::to(pattern({3, 8, 5, 5}, DType::Float64, 0.7), d);
    const Tensor gamma = ops::to(pattern({8}, DType::Float64), d), beta = ops::to(pattern({8}, DType::Float64, 0.3), d);
    for (bool affine : {true, false}) {
      const Tensor g = affine ? gamma : Tensor(), b = affine ? beta : Tensor();
      const Tensor gd = affine ? on(device, g) : Tensor(), bd = affine ? on(device, b) : Tensor();
      const ops::NormForward cpu = ops::group_norm(x, 4, g, b);
      const ops::NormForward dev = ops::group_norm(on(device, x), 4, gd, bd);
      require_same(dev.y, cpu.y, tol);
      require_same(dev.mean, cpu.mean, tol);
      require_same(dev.rstd, cpu.rstd, tol);
      const ops::NormBackward bc = ops::group_norm_backward(dy, x, cpu, 4, g);
      const ops::NormBackward bd_ = ops::group_norm_backward(on(device, dy), on(device, x), dev, 4, gd);
      require_same(bd_.grad_x, bc.grad_x, tol);
      if (affine) {
        require_same(bd_.grad_gamma, bc.grad_gamma, tol);
        require_same(bd_.grad_beta, bc.grad_beta, tol);
      }
      // Layer norm over the trailing [5, 5].
      const Tensor lg = affine ? ops::to(pattern({5, 5}, DType::Float64), d) : Tensor();
      const Tensor lb = affine ? ops::to(pattern({5, 5}, DType::Float64, 0.2), d) : Tensor();
      const Tensor lgd = affine ? on(device, lg) : Tensor(), lbd = affine ? on(device, lb) : Tensor();
      const ops::NormForward lc = ops::layer_norm(x, {5, 5}, lg, lb);
      const ops::NormForward ld = ops::layer_norm(on(device, x), {5, 5}, lgd, lbd);
      require_same(ld.y, lc.y, tol);
      const ops::NormBackward lbc = ops::layer_norm_backward(dy, x, lc, lg);
      const ops::NormBackward lbdev = ops::layer_norm_backward(on(device, dy), on(device, x), ld, lgd);
      require_same(lbdev.grad_x, lbc.grad_x, tol);
      if (affine) {
        require_same(lbdev.grad_gamma, lbc.grad_gamma, tol);
        require_same(lbdev.grad_beta, lbc.grad_beta, tol);
      }
    }
  }
}

// RMSNorm, both launch shapes (a warp per row up to 1024, a block per longer row), with
// and without a weight, in both float dtypes.
DEVICE_TEST_CASE("device: RMSNorm forward and backward", "[device][norm]") {
  for (DType d : kFloatTypes) {
    const double tol = d == DType::Float32 ? 1e-5 : 1e-12;
    for (int64_t D : {1, 64, 2000}) {
      for (bool affine : {true, false}) {
        INFO("dtype " << dtype_name(d) << ", rows of " << D << (affine ? ", with weight" : ", no weight"));
        const Tensor x = ops::to(pattern({3, 4, D}, DType::Float64, 2.0), d);
        const Tensor dy = ops::to(pattern({3, 4, D}, DType::Float64, 0.7), d);
        const Tensor g = affine ? ops::to(pattern({D}, DType::Float64), d) : Tensor();
        const Tensor gd = affine ? on(device, g) : Tensor();
        const ops::NormForward cpu = ops::rms_norm(x, g), dev = ops::rms_norm(on(device, x), gd);
        require_same(dev.y, cpu.y, tol);
        require_same(dev.rstd, cpu.rstd, tol);
        const ops::NormBackward bc = ops::rms_norm_backward(dy, x, cpu, g);
        const ops::NormBackward bd = ops::rms_norm_backward(on(device, dy), on(device, x), dev, gd);
        require_same(bd.grad_x, bc.grad_x, tol);
        if (affine) require_same(bd.grad_gamma, bc.grad_gamma, tol * D);
      }
    }
  }
}

DEVICE_TEST_CASE("device: matmul plain batched transposed broadcast and strided", "[device][matmul]") {
  for (DType d : kFloatTypes) {
    INFO("dtype " << dtype_name(d));
    auto P = [d](const Shape& s, double scale = 1.0) { return ops::to(pattern(s, DType::Float64, scale), d); };
    auto check = [&](const Tensor& a, const Tensor& b) {
      INFO("a " << shape_str(a.shape()) << ", b " << shape_str(b.shape()));
      require_same(ops::matmul(on(device, a), on(device, b)), ops::matmul(a, b), gemm_tol(d, a.size(-1)));
    };
    check(P({5, 7}), P({7, 3}));                                                    // plain
    check(P({4, 5, 7}), P({4, 7, 3}));                                              // batched
    check(ops::transpose(P({7, 5}), 0, 1), P({7, 3}));                              // a transposed
    check(P({5, 7}), ops::transpose(P({3, 7}), 0, 1));                              // b transposed (x @ w^T)
    check(ops::transpose(P({4, 7, 5}), 1, 2), ops::transpose(P({4, 3, 7}), 1, 2));  // both, batched
    check(P({4, 5, 7}), P({7, 3}));                                                 // b broadcast over the batch
    check(P({5, 7}), P({2, 7, 3}));                                                 // a broadcast
    check(ops::slice(P({5, 14}), 1, 0, 14, 2), P({7, 3}));                          // every other column: copied
    check(P({7}), P({7, 3}));                                                       // vector @ matrix
    check(P({5, 7}), P({7}));                                                       // matrix @ vector
    check(P({1, 300}), P({300, 1}));                                                // long k
    check(P({64, 200}), P({200, 96}));                                              // larger
  }
}

#ifdef RILL_WITH_CUDA
TEST_CASE("device: TF32 matmul is opt-in and close to float32", "[device][matmul][cuda]") {
  SKIP_WITHOUT_GPU();
  CHECK_FALSE(cuda::allow_tf32());
  const Tensor a = ops::to(pattern({64, 256}), DType::Float32), b = ops::to(pattern({256, 32}), DType::Float32);
  const Tensor exact = ops::matmul(a, b);
  cuda::set_allow_tf32(true);
  const Tensor fast = ops::matmul(on(Device::cuda(), a), on(Device::cuda(), b));
  cuda::set_allow_tf32(false);
  // TF32 keeps 10 mantissa bits of each factor: relative error ~2^-11 per product, over 256 terms.
  rill::test::require_close(fast, exact, 2e-2);
}
#endif

DEVICE_TEST_CASE("device: index_select gather scatter_add and embedding", "[device][index]") {
  for (DType d : {DType::Float32, DType::Float64, DType::Int64}) {
    INFO("dtype " << dtype_name(d));
    Tensor x = pattern({5, 6, 3}, DType::Float64, 3.0);
    x = ops::to(d == DType::Int64 ? ops::mul(x, 3.0) : x, d);
    const Tensor idx = tensor(std::vector<int64_t>{4, 0, 0, 2});
    for (int64_t dim : {0, 1, 2}) {
      const Tensor i = dim == 2 ? tensor(std::vector<int64_t>{2, 0, 2}) : idx;
      require_same(ops::index_select(on(device, x), dim, on(device, i)), ops::index_select(x, dim, i), 0.0);
    }
    // gather / scatter_add along dim 1 with repeated targets: index [5, 4, 3] in [0, 6).
    std::vector<int64_t> iv(5 * 4 * 3);
    for (size_t k = 0; k < iv.size(); ++k) iv[k] = static_cast<int64_t>((k * 7) % 6 / 2);  // only 0..2: repeats
    const Tensor index = tensor(iv, {5, 4, 3});
    require_same(ops::gather(on(device, x), 1, on(device, index)), ops::gather(x, 1, index), 0.0);
    const Tensor src = ops::to(pattern({5, 4, 3}, DType::Float64, 2.0), d);
    require_same(ops::scatter_add(on(device, x), 1, on(device, index), on(device, src)),
                 ops::scatter_add(x, 1, index, src), tol_for(d));
    // Strided source and self (transposed views).
    const Tensor xt = ops::transpose(x, 0, 2);  // [3, 6, 5]
    const Tensor it = ops::transpose(index, 0, 2), st = ops::transpose(src, 0, 2);
    require_same(ops::gather(on(device, xt), 1, on(device, it)), ops::gather(xt, 1, it), 0.0);
    require_same(ops::scatter_add(on(device, xt), 1, on(device, it), on(device, st)), ops::scatter_add(xt, 1, it, st),
                 tol_for(d));
  }
  const Tensor weight = pattern({10, 4});
  const Tensor ids = tensor(std::vector<int64_t>{3, 3, 9, 0, 1, 3}, {2, 3});
  require_same(embedding(on(device, weight), on(device, ids)), embedding(weight, ids), 0.0);
}

DEVICE_TEST_CASE("device: im2col col2im upsample and avg_pool with their adjoints", "[device][image]") {
  for (DType d : kFloatTypes) {
    INFO("dtype " << dtype_name(d));
    const double tol = d == DType::Float32 ? 1e-5 : 1e-12;
    const Tensor x = ops::to(pattern({2, 3, 9, 7}, DType::Float64), d);
    const Window2d windows[] = {
        {3, 3, 1, 1, 1, 1, 1, 1},  // the U-Net's 3x3 conv
        {3, 3, 2, 2, 1, 1, 1, 1},  // stride-2 downsample
        {1, 1, 1, 1, 0, 0, 1, 1},  // 1x1
        {3, 2, 2, 1, 2, 0, 2, 3},  // everything different
    };
    for (const Window2d& w : windows) {
      const Tensor cols = ops::im2col(x, w);
      require_same(ops::im2col(on(device, x), w), cols, 0.0);
      const Tensor g = ops::to(pattern(cols.shape(), DType::Float64), d);
      require_same(ops::col2im(on(device, g), w, 3, 9, 7), ops::col2im(g, w, 3, 9, 7), tol);
    }
    require_same(ops::upsample_nearest2d(on(device, x), 2), ops::upsample_nearest2d(x, 2), 0.0);
    const Tensor up_grad = ops::to(pattern({2, 3, 27, 21}, DType::Float64), d);
    require_same(ops::upsample_nearest2d_backward(on(device, up_grad), 3), ops::upsample_nearest2d_backward(up_grad, 3),
                 tol);
    for (auto [k, s, p] : {std::tuple{2, 2, 0}, std::tuple{3, 2, 1}, std::tuple{3, 1, 1}}) {
      INFO("avg_pool k " << k << " s " << s << " p " << p);
      const Tensor y = ops::avg_pool2d(x, k, s, p);
      require_same(ops::avg_pool2d(on(device, x), k, s, p), y, tol);
      const Tensor gy = ops::to(pattern(y.shape(), DType::Float64), d);
      require_same(ops::avg_pool2d_backward(on(device, gy), x.shape(), k, s, p),
                   ops::avg_pool2d_backward(gy, x.shape(), k, s, p), tol);
    }
  }
}

DEVICE_TEST_CASE("device: conv2d forward and backward", "[device][image]") {
  for (DType d : kFloatTypes) {
    INFO("dtype " << dtype_name(d));
    const Tensor x = ops::to(pattern({3, 4, 9, 7}, DType::Float64), d);
    const Tensor weight = ops::to(pattern({5, 4, 3, 3}, DType::Float64, 0.5), d), bias = ops::to(pattern({5}), d);
    for (const Window2d& w : {Window2d{3, 3, 1, 1, 1, 1, 1, 1}, Window2d{3, 3, 2, 2, 1, 1, 1, 1}}) {
      const Tensor y = ops::conv2d(x, weight, bias, w);
      require_same(ops::conv2d(on(device, x), on(device, weight), on(device, bias), w), y, gemm_tol(d, 36));
      const Tensor gy = ops::to(pattern(y.shape(), DType::Float64, 0.7), d);
      const ops::Conv2dGrads cpu = ops::conv2d_backward(gy, x, weight, w, true, true, true);
      const ops::Conv2dGrads dev =
          ops::conv2d_backward(on(device, gy), on(device, x), on(device, weight), w, true, true, true);
      require_same(dev.x, cpu.x, gemm_tol(d, 45));
      require_same(dev.weight, cpu.weight, gemm_tol(d, 3 * 63));
      require_same(dev.bias, cpu.bias, gemm_tol(d, 3 * 63));
    }
  }
}

DEVICE_TEST_CASE("device: random numbers equal the CPU's for the same generator", "[device][random]") {
  for (DType d : kFloatTypes) {
    INFO("dtype " << dtype_name(d));
    Generator cpu_gen(1234), dev_gen(1234);
    cpu_gen.reserve(77), dev_gen.reserve(77);  // a non-zero offset
    // Uniform: the same Philox bits, exactly.
    require_same(rand({1001}, {d, device}, &dev_gen), rand({1001}, d, &cpu_gen), 0.0);
    // Normal: the same bits through log, sqrt, sin, cos; the device's libm may differ from
    // the host's in the last bit of a double (then float32 rounding hides it).
    require_same(randn({3, 333}, {d, device}, &dev_gen), randn({3, 333}, d, &cpu_gen),
                 d == DType::Float32 ? 1.2e-7 : 1e-14);
    CHECK(dev_gen.offset() == cpu_gen.offset());
  }
  Generator cpu_gen(99), dev_gen(99);
  require_same(randint(-5, 1000000, {2000}, {DType::Int64, device}, &dev_gen),
               randint(-5, 1000000, {2000}, DType::Int64, &cpu_gen), 0.0);
  require_same(randint(0, 10, {50}, {DType::Float32, device}, &dev_gen), randint(0, 10, {50}, DType::Float32, &cpu_gen),
               0.0);
}
