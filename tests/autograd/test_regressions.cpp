// Regression tests for problems found in review: each failed before its fix.
#include "helpers.h"

using namespace rill;
using rill::test::require_close;
using rill::test::values;

TEST_CASE("a no-op squeeze of a leaf keeps the leaf in the graph", "[autograd][regression]") {
  const Tensor w = requires_grad_(ones({2, 3}, DType::Float64));
  autograd::backward(sum(squeeze(w, 0) * 2.0));
  CHECK(grad_fn(w) == nullptr);
  require_close(grad_of(w), std::vector<double>(6, 2.0));
}

TEST_CASE("a very long graph is freed without deep recursion", "[autograd][regression]") {
  const int64_t before = Node::live_count();
  {
    const Tensor x = requires_grad_(tensor(std::vector<double>{1}));
    Tensor h = x;
    for (int i = 0; i < 400000; ++i) h = h * 1.0;
    CHECK(Node::live_count() - before > 400000);
  }  // the whole chain is released here
  CHECK(Node::live_count() == before);
}

TEST_CASE("0-dimensional tensors give errors or correct results, never crashes", "[autograd][regression]") {
  const Tensor s = requires_grad_(scalar_tensor(3.0, DType::Float64));
  REQUIRE_ERROR(s.size(0), "size: a 0-dimensional tensor has no dimension 0");
  REQUIRE_ERROR(ops::split(s, 1, 0), "split: cannot split a 0-dimensional tensor");
  REQUIRE_ERROR(ops::gather(s, 0, tensor(std::vector<int64_t>{0})), "gather: cannot index a 0-dimensional tensor");
  autograd::backward(sum(s, {0}) * mean(s, {0}));
  require_close(grad_of(s), {6});
}

TEST_CASE("backward and the norm kernels check the gradient's dtype", "[autograd][regression]") {
  const Tensor x = requires_grad_(ones({2, 3}));
  REQUIRE_ERROR(autograd::backward(x * 2.0, ones({2, 3}, DType::Float64)),
                "backward: grad is float64 on cpu but the output is float32 on cpu");
  const ops::NormForward f = ops::layer_norm(ones({2, 3}), {3}, {}, {});
  REQUIRE_ERROR(ops::layer_norm_backward(ones({2, 3}, DType::Float64), ones({2, 3}), f, {}),
                "layer_norm_backward: gradient is float64 on cpu, input is float32");
}

TEST_CASE("differentiable dot product of two vectors", "[autograd][regression]") {
  const Tensor a = requires_grad_(tensor(std::vector<double>{1, 2, 3}));
  const Tensor b = requires_grad_(tensor(std::vector<double>{4, 5, 6}));
  const Tensor d = matmul(a, b);
  CHECK(d.dim() == 0);
  CHECK(d.item() == 32);
  autograd::backward(d);
  require_close(grad_of(a), {4, 5, 6});
  require_close(grad_of(b), {1, 2, 3});
}

TEST_CASE("a window larger than the padded input is refused", "[tensor][regression]") {
  Window2d w;
  w.kernel_h = w.kernel_w = 5;
  w.stride_h = w.stride_w = 3;
  REQUIRE_ERROR(ops::im2col(zeros({1, 1, 3, 3}), w),
                "im2col: a 5x5 kernel (dilation 1x1, padding 0x0) does not fit a 3x3 input");
  REQUIRE_ERROR(ops::avg_pool2d(zeros({1, 1, 3, 3}), 5, 3), "does not fit a 3x3 input");
}

TEST_CASE("int64 clamp saturates huge bounds - int64 sums are exact", "[tensor][regression]") {
  const Tensor i = tensor(std::vector<int64_t>{5, -5});
  CHECK(ops::clamp(i, 0, 1e30).to_vector<int64_t>() == std::vector<int64_t>{5, 0});
  const int64_t big = (int64_t{1} << 53) + 1;
  CHECK(ops::sum(tensor(std::vector<int64_t>{big, 0})).to_vector<int64_t>()[0] == big);
  CHECK(ops::max(tensor(std::vector<int64_t>{big, 1})).to_vector<int64_t>()[0] == big);
}

TEST_CASE("copy_ refuses broadcast destinations and handles overlapping memory", "[tensor][regression]") {
  const Tensor base = zeros({1, 3});
  REQUIRE_ERROR(ops::copy_(ops::expand(base, {4, 3}), ones({4, 3})),
                "copy_: the destination is a broadcast view (stride 0 along dimension 0)");
  const Tensor x = arange(6, DType::Float64);
  ops::copy_(ops::narrow(x, 0, 1, 5), ops::narrow(x, 0, 0, 5));  // shift right by one, in place
  require_close(x, {0, 0, 1, 2, 3, 4});
}

TEST_CASE("pow gradients are 0, not NaN, where the formulas read 0 * inf", "[autograd][regression]") {
  const Tensor x = requires_grad_(tensor(std::vector<double>{0, 2}));
  autograd::backward(sum(pow(x, 0.0)));
  require_close(grad_of(x), {0, 0});
  const Tensor a = requires_grad_(tensor(std::vector<double>{0, 2}));
  const Tensor b = requires_grad_(tensor(std::vector<double>{0, 3}));
  autograd::backward(sum(pow(a, b)));
  require_close(grad_of(a), {0, 3 * 4});
  require_close(grad_of(b), {0, 8 * std::log(2.0)});
}
