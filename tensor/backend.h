// rill — the per-device backend interface: every raw kernel a device must provide.
//
// The public ops in namespace rill::ops (tensor/ops.h) check their arguments, work
// out output shapes, allocate the output and then call one method here on the
// backend of the tensors' device. A backend therefore never validates user input:
// it receives tensors whose shapes already agree, in the form documented per method.
//
// Conventions for every method:
//   - inputs may be arbitrary strided views (non-contiguous, broadcast with stride 0)
//     unless the comment says "contiguous";
//   - `out` was just allocated by the caller: contiguous, right shape, dtype, device;
//   - all tensors are on this backend's device.
//
// CPU implementation: tensor/cpu/ (the readable specification).
// CUDA implementation: cuda/ (one .cu per op family, mirroring tensor/cpu/).
#pragma once

#include <cstddef>
#include <cstdint>

#include "tensor/elementwise_ops.h"
#include "tensor/tensor.h"

namespace rill {

// UnaryOp and BinaryOp, with each op's name, dtypes and formula: tensor/elementwise_ops.h.

enum class ReduceOp { Sum, Mean, Max, Min, Argmax, Var };

enum class SoftmaxOp { Softmax, LogSoftmax, LogSumExp };

// Geometry of a 2-D sliding window (convolution, pooling) over [N, C, H, W].
struct Window2d {
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_h = 0, pad_w = 0;
  int64_t dilation_h = 1, dilation_w = 1;
  // Output size along one axis: (in + 2 pad - dilation (k - 1) - 1) / stride + 1, for a
  // non-negative numerator (the ops layer checks that the window fits).
  int64_t out_h(int64_t h) const { return (h + 2 * pad_h - dilation_h * (kernel_h - 1) - 1) / stride_h + 1; }
  int64_t out_w(int64_t w) const { return (w + 2 * pad_w - dilation_w * (kernel_w - 1) - 1) / stride_w + 1; }
};

// One Adam / AdamW update (torch.optim's formulas), with the step's bias corrections
// bias1 = 1 - beta1^t and bias2 = 1 - beta2^t already computed by the optimizer.
struct AdamStep {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0;
  bool decoupled = false;  // AdamW: decay the parameter, not the gradient
  double bias1 = 1, bias2 = 1;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;

  // ---- memory -------------------------------------------------------------------
  virtual void* allocate(size_t nbytes) = 0;
  virtual void deallocate(void* ptr, size_t nbytes) = 0;
  // Byte copies between host memory and this device's memory.
  virtual void copy_to_host(void* host_dst, const void* device_src, size_t nbytes) = 0;
  virtual void copy_from_host(void* device_dst, const void* host_src, size_t nbytes) = 0;

  // ---- elementwise --------------------------------------------------------------
  // dst[i] = convert(src[i]).  dst may be a strided view (cat writes into slices);
  // src and dst have the same shape, dtypes may differ (this is also the cast).
  virtual void copy(const Tensor& src, const Tensor& dst) = 0;
  // dst[i] = value for every element of the (possibly strided) view dst.
  virtual void fill(const Tensor& dst, double value) = 0;
  // out = op(x) with the formula of Unary<op> (elementwise_ops.h); `scalar` is the exponent
  // for UnaryOp::Pow. x's dtype is one the op accepts (the ops layer checks).
  virtual void unary(UnaryOp op, const Tensor& x, const Tensor& out, double scalar) = 0;
  // out = a op b with the formula of Binary<op>; a and b are already expanded to out's shape
  // (broadcast = stride 0), their dtype is one the op accepts.
  virtual void binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out) = 0;
  // out = cond != 0 ? a : b; all three already expanded to out's shape.
  virtual void where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out) = 0;
  // out = min(max(x, lo), hi); lo = -inf / hi = +inf mean "no bound".
  virtual void clamp(const Tensor& x, const Tensor& out, double lo, double hi) = 0;

  // ---- reductions ---------------------------------------------------------------
  // x: contiguous, viewed as [outer, n, inner] -> out: [outer, inner], reducing along n
  // (inner == 1 is a row reduction; outer == 1 a column reduction, e.g. a bias gradient).
  // out's dtype may differ from x's: int64 for Argmax, float64 for a float32 Sum/Mean
  // whose partial result feeds a second stage (see tensor/reduce.cpp).
  // `correction` is used by Var only: var = sum (x - mean)^2 / (n - correction).
  virtual void reduce(ReduceOp op, const Tensor& x, const Tensor& out, int64_t outer, int64_t n, int64_t inner,
                      int64_t correction) = 0;
  // x, out: contiguous, viewed as [outer, n, inner]; normalises along n.
  // For LogSumExp out is [outer, inner].
  virtual void softmax(SoftmaxOp op, const Tensor& x, const Tensor& out, int64_t outer, int64_t n, int64_t inner) = 0;

  // ---- normalisation (tensor/norm.h has the formulas) ----------------------------
  // x: [N, C, S] contiguous, G groups of C/G channels; gamma, beta: [C] or undefined.
  // Writes y [N, C, S], mean and rstd [N, G].
  virtual void group_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, int64_t groups, double eps,
                          const Tensor& y, const Tensor& mean, const Tensor& rstd) = 0;
  // grad_y, x: [N, C, S] contiguous -> grad_x [N, C, S]; grad_gamma, grad_beta [C] (when defined).
  virtual void group_norm_backward(const Tensor& grad_y, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                                   const Tensor& gamma, int64_t groups, const Tensor& grad_x, const Tensor& grad_gamma,
                                   const Tensor& grad_beta) = 0;
  // y = silu(group_norm(x)), the U-Net's norm-then-activation, and its backward (which
  // also needs beta: it recomputes the pre-activation). Defaults (backend.cpp) compose
  // group_norm, silu and silu_backward; the CPU fuses each into one pass.
  virtual void group_norm_silu(const Tensor& x, const Tensor& gamma, const Tensor& beta, int64_t groups, double eps,
                               const Tensor& y, const Tensor& mean, const Tensor& rstd);
  virtual void group_norm_silu_backward(const Tensor& grad_y, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                                        const Tensor& gamma, const Tensor& beta, int64_t groups, const Tensor& grad_x,
                                        const Tensor& grad_gamma, const Tensor& grad_beta);
  // x: [R, D] contiguous, each row normalised; gamma, beta: [D] or undefined.
  virtual void layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps, const Tensor& y,
                          const Tensor& mean, const Tensor& rstd) = 0;
  virtual void layer_norm_backward(const Tensor& grad_y, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                                   const Tensor& gamma, const Tensor& grad_x, const Tensor& grad_gamma,
                                   const Tensor& grad_beta) = 0;
  // RMSNorm (tensor/norm.h): x, y, grad_y, grad_x: [R, D] contiguous; rstd: [R]; gamma,
  // grad_gamma: [D] or undefined.
  virtual void rms_norm(const Tensor& x, const Tensor& gamma, double eps, const Tensor& y, const Tensor& rstd) = 0;
  virtual void rms_norm_backward(const Tensor& grad_y, const Tensor& x, const Tensor& rstd, const Tensor& gamma,
                                 const Tensor& grad_x, const Tensor& grad_gamma) = 0;

  // ---- linear algebra -----------------------------------------------------------
  // a: [B, n, k], b: [B, k, m] (any strides; batch stride may be 0 = broadcast)
  // out: [B, n, m] = a @ b.  Float dtypes only.
  virtual void matmul(const Tensor& a, const Tensor& b, const Tensor& out) = 0;

  // ---- indexing -----------------------------------------------------------------
  // x: [outer, n, inner], index: [m] int64 (values in [0, n)) -> out: [outer, m, inner].
  virtual void index_select(const Tensor& x, const Tensor& index, const Tensor& out, int64_t outer, int64_t n,
                            int64_t inner) = 0;
  // out[..., i, ...] = x[..., index[..., i, ...], ...] along `dim`; out has index's shape.
  virtual void gather(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& out) = 0;
  // out (a contiguous copy of self) [..., index[..., i, ...], ...] += src[..., i, ...].
  virtual void scatter_add(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src) = 0;

  // ---- images -------------------------------------------------------------------
  // x: [N, C, H, W] -> cols: [N, C*kh*kw, Ho*Wo]; row (c, i, j) holds
  // x[n, c, ho*sh - ph + i*dh, wo*sw - pw + j*dw] (0 outside the image).
  virtual void im2col(const Tensor& x, const Tensor& cols, const Window2d& w) = 0;
  // The adjoint of im2col: cols [N, C*kh*kw, Ho*Wo] summed back into x [N, C, H, W]
  // (x arrives zero-filled).
  virtual void col2im(const Tensor& cols, const Tensor& x, const Window2d& w) = 0;
  // Convolution (cross-correlation, as PyTorch's conv2d), lowered to GEMM:
  //   x: [N, C, H, W], weight: [F, C, kh, kw], bias: [F] or undefined -> y: [N, F, Ho, Wo]
  //   y[n] = weight.view(F, C*kh*kw) @ im2col(x)[n] + bias              ([F, Ho*Wo])
  // All inputs contiguous. These two have a default implementation (backend.cpp) made
  // of im2col, matmul and sum on this backend, which a backend overrides for speed
  // (tensor/cpu/conv.cpp lowers one image at a time).
  virtual void conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Window2d& w, const Tensor& y);
  // From grad_y [N, F, Ho, Wo], each gradient that is defined (the others are not needed;
  // the defined ones arrive uninitialised):
  //   grad_weight = sum_n grad_y[n] @ im2col(x)[n]^T           [F, C, kh, kw]
  //   grad_bias   = grad_y summed over n, ho, wo                [F]
  //   grad_x[n]   = col2im(weight.view(F, -1)^T @ grad_y[n])    [N, C, H, W]
  virtual void conv2d_backward(const Tensor& grad_y, const Tensor& x, const Tensor& weight, const Window2d& w,
                               const Tensor& grad_x, const Tensor& grad_weight, const Tensor& grad_bias);
  // x: [N, C, H, W] -> out: [N, C, H*s, W*s], out[.., y, x] = x[.., y/s, x/s].
  virtual void upsample_nearest2d(const Tensor& x, const Tensor& out, int64_t scale) = 0;
  // grad_out: [N, C, H*s, W*s] -> grad_x: [N, C, H, W], each s x s block summed.
  virtual void upsample_nearest2d_backward(const Tensor& grad_out, const Tensor& grad_x, int64_t scale) = 0;
  // Average over each window, padding counted as zeros in the divisor (PyTorch's
  // count_include_pad=True). x: [N, C, H, W] -> out: [N, C, Ho, Wo].
  virtual void avg_pool2d(const Tensor& x, const Tensor& out, const Window2d& w) = 0;
  // grad_out: [N, C, Ho, Wo] -> grad_x: [N, C, H, W] (arrives zero-filled).
  virtual void avg_pool2d_backward(const Tensor& grad_out, const Tensor& grad_x, const Window2d& w) = 0;

  // ---- optimizers (tensor/optim.h has the formulas) ------------------------------
  // In place, one pass: param, exp_avg, exp_avg_sq updated from grad; all four contiguous,
  // same shape and floating dtype.
  virtual void adam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                         const AdamStep& step) = 0;
  // average = decay average + (1 - decay) value, in place; both contiguous, same shape and
  // floating dtype. The default composes elementwise ops (backend.cpp) and is the
  // specification; a fused override rounds the same operations in the same order.
  virtual void ema_update(const Tensor& average, const Tensor& value, double decay);

  // ---- random numbers (Philox4x32-10, see random.h) -----------------------------
  // Element i of out (row-major) is a function of (seed, offset, i) only, so every
  // backend draws the same numbers for the same generator state.
  virtual void random_uniform(const Tensor& out, uint64_t seed, uint64_t offset) = 0;  // [0, 1)
  virtual void random_normal(const Tensor& out, uint64_t seed, uint64_t offset) = 0;   // N(0, 1)
  virtual void random_int(const Tensor& out, int64_t low, int64_t high, uint64_t seed,
                          uint64_t offset) = 0;  // uniform in [low, high)
};

// The backend serving `device`. Throws a clear error for a device this build
// cannot serve (e.g. CUDA in a build without it).
Backend& backend(Device device);

// Used by a backend library to plug itself in; cuda/register.cpp calls it before main()
// runs. The tensor layer never names a backend library: the arrow points from cuda/ to
// tensor/, and the program's link (rill_cuda, or the `rill` target) brings the backend in.
void register_backend(DeviceType type, Backend* backend);

}  // namespace rill
