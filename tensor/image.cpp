#include "tensor/image.h"

#include "tensor/factory.h"
#include "tensor/profiler.h"
#include "tensor/view.h"

namespace rill::ops {
namespace {

void check_nchw(const char* op, const Tensor& x) {
  RILL_CHECK(x.dim() == 4, "{}: expected a 4-D tensor [N, C, H, W], got shape {}", op, shape_str(x.shape()));
}

void check_window(const char* op, const Window2d& w, int64_t H, int64_t W) {
  RILL_CHECK(w.kernel_h > 0 && w.kernel_w > 0 && w.stride_h > 0 && w.stride_w > 0 && w.dilation_h > 0 &&
                 w.dilation_w > 0 && w.pad_h >= 0 && w.pad_w >= 0,
             "{}: kernel {}x{}, stride {}x{} and dilation {}x{} must be positive, padding {}x{} non-negative", op,
             w.kernel_h, w.kernel_w, w.stride_h, w.stride_w, w.dilation_h, w.dilation_w, w.pad_h, w.pad_w);
  // (Checked on the numerator: C++ division truncates toward zero, so a negative one
  // would still give out_h = 1.)
  RILL_CHECK(H + 2 * w.pad_h - w.dilation_h * (w.kernel_h - 1) - 1 >= 0 &&
                 W + 2 * w.pad_w - w.dilation_w * (w.kernel_w - 1) - 1 >= 0,
             "{}: a {}x{} kernel (dilation {}x{}, padding {}x{}) does not fit a {}x{} input", op, w.kernel_h,
             w.kernel_w, w.dilation_h, w.dilation_w, w.pad_h, w.pad_w, H, W);
}

Window2d pool_window(int64_t kernel, int64_t stride, int64_t padding) {
  Window2d w;
  w.kernel_h = w.kernel_w = kernel;
  w.stride_h = w.stride_w = stride < 0 ? kernel : stride;
  w.pad_h = w.pad_w = padding;
  return w;
}

}  // namespace

Tensor im2col(const Tensor& x, const Window2d& w) {
  check_nchw("im2col", x);
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  check_window("im2col", w, H, W);
  Tensor cols = Tensor::empty({N, C * w.kernel_h * w.kernel_w, w.out_h(H) * w.out_w(W)}, x.options());
  const profiler::Scope scope("im2col");
  backend(x.device()).im2col(contiguous(x), cols, w);
  return cols;
}

Tensor col2im(const Tensor& cols, const Window2d& w, int64_t C, int64_t H, int64_t W) {
  check_window("col2im", w, H, W);
  const int64_t rows = C * w.kernel_h * w.kernel_w, L = w.out_h(H) * w.out_w(W);
  RILL_CHECK(cols.dim() == 3 && cols.size(1) == rows && cols.size(2) == L,
             "col2im: expected columns [N, {}, {}] for C={}, H={}, W={} and a {}x{} kernel, got shape {}", rows, L, C,
             H, W, w.kernel_h, w.kernel_w, shape_str(cols.shape()));
  Tensor x = zeros({cols.size(0), C, H, W}, cols.options());
  const profiler::Scope scope("col2im");
  backend(cols.device()).col2im(contiguous(cols), x, w);
  return x;
}

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Window2d& w) {
  RILL_CHECK(x.dim() == 4 && weight.dim() == 4,
             "conv2d: expected input [N, C, H, W] and weight [F, C, kh, kw], got {} and {}", shape_str(x.shape()),
             shape_str(weight.shape()));
  RILL_CHECK(x.size(1) == weight.size(1), "conv2d: input has {} channels but weight {} expects {}", x.size(1),
             shape_str(weight.shape()), weight.size(1));
  RILL_CHECK(weight.size(2) == w.kernel_h && weight.size(3) == w.kernel_w, "conv2d: weight {} for a {}x{} window",
             shape_str(weight.shape()), w.kernel_h, w.kernel_w);
  RILL_CHECK(!bias.defined() || bias.shape() == Shape{weight.size(0)}, "conv2d: bias of shape {}, expected [{}]",
             shape_str(bias.shape()), weight.size(0));
  RILL_CHECK(x.dtype() == weight.dtype() && (!bias.defined() || bias.dtype() == x.dtype()),
             "conv2d: input, weight and bias must share a dtype, got {}, {} and {}", x.dtype(), weight.dtype(),
             bias.defined() ? dtype_name(bias.dtype()) : "none");
  RILL_CHECK(is_floating(x.dtype()), "conv2d: expected a floating dtype (float32 or float64), got {}", x.dtype());
  RILL_CHECK(x.device() == weight.device() && (!bias.defined() || bias.device() == x.device()),
             "conv2d: input on {}, weight on {}{}", x.device(), weight.device(),
             bias.defined() ? fmt::format(", bias on {}", bias.device()) : "");
  const int64_t H = x.size(2), W = x.size(3);
  check_window("conv2d", w, H, W);
  Tensor y = Tensor::empty({x.size(0), weight.size(0), w.out_h(H), w.out_w(W)}, x.options());
  if (y.numel() == 0) return y;
  const profiler::Scope scope("conv2d");
  backend(x.device()).conv2d(contiguous(x), contiguous(weight), bias.defined() ? contiguous(bias) : bias, w, y);
  return y;
}

Conv2dGrads conv2d_backward(const Tensor& grad_y, const Tensor& x, const Tensor& weight, const Window2d& w, bool need_x,
                            bool need_weight, bool need_bias) {
  const int64_t N = x.size(0), F = weight.size(0);
  const Shape y_shape{N, F, w.out_h(x.size(2)), w.out_w(x.size(3))};
  RILL_CHECK(grad_y.shape() == y_shape && grad_y.dtype() == x.dtype(),
             "conv2d backward: gradient of shape {} ({}), expected {} ({})", shape_str(grad_y.shape()), grad_y.dtype(),
             shape_str(y_shape), x.dtype());
  Conv2dGrads g;
  if (need_x) g.x = Tensor::empty(x.shape(), x.options());
  if (need_weight) g.weight = Tensor::empty(weight.shape(), weight.options());
  if (need_bias) g.bias = Tensor::empty({F}, weight.options());
  if (grad_y.numel() == 0) {  // nothing flows back: zero gradients
    for (const Tensor& t : {g.x, g.weight, g.bias})
      if (t.defined()) backend(t.device()).fill(t, 0.0);
    return g;
  }
  const profiler::Scope scope("conv2d_backward");
  backend(x.device()).conv2d_backward(contiguous(grad_y), contiguous(x), contiguous(weight), w, g.x, g.weight, g.bias);
  return g;
}

Tensor upsample_nearest2d(const Tensor& x, int64_t scale) {
  check_nchw("upsample_nearest2d", x);
  RILL_CHECK(scale >= 1, "upsample_nearest2d: scale must be >= 1, got {}", scale);
  Tensor out = Tensor::empty({x.size(0), x.size(1), x.size(2) * scale, x.size(3) * scale}, x.options());
  const profiler::Scope scope("upsample_nearest2d");
  backend(x.device()).upsample_nearest2d(contiguous(x), out, scale);
  return out;
}

Tensor upsample_nearest2d_backward(const Tensor& grad_out, int64_t scale) {
  check_nchw("upsample_nearest2d_backward", grad_out);
  RILL_CHECK(scale >= 1 && grad_out.size(2) % scale == 0 && grad_out.size(3) % scale == 0,
             "upsample_nearest2d_backward: gradient shape {} is not a multiple of scale {}",
             shape_str(grad_out.shape()), scale);
  Tensor grad_x = Tensor::empty(
      {grad_out.size(0), grad_out.size(1), grad_out.size(2) / scale, grad_out.size(3) / scale}, grad_out.options());
  const profiler::Scope scope("upsample_nearest2d_backward");
  backend(grad_out.device()).upsample_nearest2d_backward(contiguous(grad_out), grad_x, scale);
  return grad_x;
}

Tensor avg_pool2d(const Tensor& x, int64_t kernel, int64_t stride, int64_t padding) {
  check_nchw("avg_pool2d", x);
  const Window2d w = pool_window(kernel, stride, padding);
  check_window("avg_pool2d", w, x.size(2), x.size(3));
  RILL_CHECK(2 * padding <= kernel, "avg_pool2d: padding {} must be at most half the kernel size {}", padding, kernel);
  Tensor out = Tensor::empty({x.size(0), x.size(1), w.out_h(x.size(2)), w.out_w(x.size(3))}, x.options());
  const profiler::Scope scope("avg_pool2d");
  backend(x.device()).avg_pool2d(contiguous(x), out, w);
  return out;
}

Tensor avg_pool2d_backward(const Tensor& grad_out, const Shape& input_shape, int64_t kernel, int64_t stride,
                           int64_t padding) {
  check_nchw("avg_pool2d_backward", grad_out);
  const Window2d w = pool_window(kernel, stride, padding);
  RILL_CHECK(input_shape.size() == 4, "avg_pool2d_backward: input shape {} is not 4-D", shape_str(input_shape));
  check_window("avg_pool2d_backward", w, input_shape[2], input_shape[3]);
  const Shape expected = {input_shape[0], input_shape[1], w.out_h(input_shape[2]), w.out_w(input_shape[3])};
  RILL_CHECK(grad_out.shape() == expected, "avg_pool2d_backward: gradient shape {} does not match output shape {}",
             shape_str(grad_out.shape()), shape_str(expected));
  Tensor grad_x = zeros(input_shape, grad_out.options());
  const profiler::Scope scope("avg_pool2d_backward");
  backend(grad_out.device()).avg_pool2d_backward(contiguous(grad_out), grad_x, w);
  return grad_x;
}

}  // namespace rill::ops
