#include "tensor/backend.h"

#include "tensor/cpu/cpu_backend.h"
#include "tensor/elementwise.h"
#include "tensor/image.h"
#include "tensor/linalg.h"
#include "tensor/reduce.h"
#include "tensor/view.h"

namespace rill {
namespace {
// The backend registered for CUDA tensors, or null. A plain pointer, zero before any
// constructor runs, so that a backend may register itself from a static constructor in
// any order (cuda/register.cpp does).
Backend* cuda_backend = nullptr;
}  // namespace

Backend& backend(Device device) {
  if (device.is_cpu()) return cpu_backend();
#ifdef RILL_WITH_CUDA
  // Only the message depends on the build: the tensor layer never calls into cuda/.
  RILL_CHECK(cuda_backend != nullptr,
             "device {}: this program has no CUDA backend, although rill was built with one: link "
             "rill_cuda (or the `rill` target; rill::cuda from the installed package), whose backend "
             "registers itself at start-up",
             device);
#else
  RILL_CHECK(cuda_backend != nullptr,
             "device {}: this build of rill has no CUDA backend (configure with -DRILL_CUDA=ON "
             "on a machine with nvcc)",
             device);
#endif
  // The backend drives one GPU (one stream, one allocator); more would need a
  // backend per device.
  RILL_CHECK(device.index == 0, "device {}: rill's CUDA backend uses one GPU, cuda:0", device);
  return *cuda_backend;
}

// ---- default convolution: im2col of the whole batch, one batched GEMM ----------------
// (A backend with a faster way overrides these; the CPU backend does.)
void Backend::conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Window2d& w, const Tensor& y) {
  const int64_t N = x.size(0), F = weight.size(0);
  Tensor out = ops::matmul(ops::reshape(weight, {F, -1}), ops::im2col(x, w));  // [N, F, L]
  if (bias.defined()) out = ops::add(out, ops::reshape(bias, {F, 1}));
  copy(out, ops::reshape(y, {N, F, -1}));
}

void Backend::conv2d_backward(const Tensor& grad_y, const Tensor& x, const Tensor& weight, const Window2d& w,
                              const Tensor& grad_x, const Tensor& grad_weight, const Tensor& grad_bias) {
  const int64_t N = x.size(0), C = x.size(1), F = weight.size(0);
  const Tensor g = ops::reshape(grad_y, {N, F, -1});  // [N, F, L]
  const Tensor wm = ops::reshape(weight, {F, -1});    // [F, C*kh*kw]
  if (grad_x.defined()) copy(ops::col2im(ops::matmul(ops::transpose(wm, 0, 1), g), w, C, x.size(2), x.size(3)), grad_x);
  if (grad_weight.defined())
    copy(ops::sum(ops::matmul(g, ops::transpose(ops::im2col(x, w), 1, 2)), {0}), ops::reshape(grad_weight, {F, -1}));
  if (grad_bias.defined()) copy(ops::sum(g, {0, 2}), grad_bias);
}

// ---- default group_norm + SiLU: the unfused ops -----------------------------------------
void Backend::group_norm_silu(const Tensor& x, const Tensor& gamma, const Tensor& beta, int64_t groups, double eps,
                              const Tensor& y, const Tensor& mean, const Tensor& rstd) {
  group_norm(x, gamma, beta, groups, eps, y, mean, rstd);
  unary(UnaryOp::Silu, y, y, 0.0);  // elementwise, so in place is safe
}

void Backend::group_norm_silu_backward(const Tensor& grad_y, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                                       const Tensor& gamma, const Tensor& beta, int64_t groups, const Tensor& grad_x,
                                       const Tensor& grad_gamma, const Tensor& grad_beta) {
  // h = (x - mean) * rstd * gamma + beta, per group [N, G, Cg*S], then per channel [N, C, S].
  const int64_t N = x.size(0), C = x.size(1);
  const Tensor xhat = ops::reshape(
      ops::mul(ops::sub(ops::reshape(x, {N, groups, -1}), ops::unsqueeze(mean, 2)), ops::unsqueeze(rstd, 2)),
      x.shape());
  Tensor h = xhat;
  if (gamma.defined()) h = ops::mul(h, ops::reshape(gamma, {C, 1}));
  if (beta.defined()) h = ops::add(h, ops::reshape(beta, {C, 1}));
  group_norm_backward(ops::silu_backward(grad_y, h), x, mean, rstd, gamma, groups, grad_x, grad_gamma, grad_beta);
}

// ---- default EMA update: the elementwise ops, one rounding each -------------------
// (The formula of tensor/optim.h, exactly as nn/ema.cpp wrote it before it became a
// backend method; the CUDA kernel reproduces these bits.)
void Backend::ema_update(const Tensor& average, const Tensor& value, double decay) {
  copy(ops::add(ops::mul(average, decay), ops::mul(value, 1 - decay)), average);
}

void register_backend(DeviceType type, Backend* b) {
  RILL_CHECK(type == DeviceType::CUDA, "register_backend: only the CUDA backend can be registered");
  cuda_backend = b;
}

}  // namespace rill
