// rill CUDA — the CUDA backend. Each group of methods is implemented in its own file
// (the same split as tensor/cpu/, which is the readable specification of each kernel):
//   register.cpp     plugs the backend into the tensor layer (static registration)
//   memory.cu        allocate (caching allocator, allocator.h), host copies
//   elementwise.cu   copy, fill, unary, binary, where, clamp
//   reduce.cu        reduce, softmax
//   norm.cu          group_norm, layer_norm, rms_norm and their fused backward
//   matmul.cu        matmul through cuBLAS (strided batched GEMM)
//   index.cu         index_select, gather, scatter_add
//   image.cu         im2col, col2im, upsample, avg_pool
//   optim.cu         fused Adam/AdamW and EMA updates
//   random.cu        Philox-based random fills
// conv2d and conv2d_backward use Backend's default (im2col + cuBLAS GEMM + reductions).
#pragma once

#include "tensor/backend.h"

namespace rill::cuda {

class CudaBackend final : public Backend {
 public:
  const char* name() const override { return "cuda"; }

  void* allocate(size_t nbytes) override;
  void deallocate(void* ptr, size_t nbytes) override;
  void copy_to_host(void* host_dst, const void* device_src, size_t nbytes) override;
  void copy_from_host(void* device_dst, const void* host_src, size_t nbytes) override;

  void copy(const Tensor& src, const Tensor& dst) override;
  void fill(const Tensor& dst, double value) override;
  void unary(UnaryOp op, const Tensor& x, const Tensor& out, double scalar) override;
  void binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out) override;
  void where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out) override;
  void clamp(const Tensor& x, const Tensor& out, double lo, double hi) override;

  void reduce(ReduceOp op, const Tensor& x, const Tensor& out, int64_t outer, int64_t n, int64_t inner,
              int64_t correction) override;
  void softmax(SoftmaxOp op, const Tensor& x, const Tensor& out, int64_t outer, int64_t n, int64_t inner) override;

  void group_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, int64_t groups, double eps, const Tensor& y,
                  const Tensor& mean, const Tensor& rstd) override;
  void group_norm_backward(const Tensor& grad_y, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                           const Tensor& gamma, int64_t groups, const Tensor& grad_x, const Tensor& grad_gamma,
                           const Tensor& grad_beta) override;
  void layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps, const Tensor& y,
                  const Tensor& mean, const Tensor& rstd) override;
  void layer_norm_backward(const Tensor& grad_y, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                           const Tensor& gamma, const Tensor& grad_x, const Tensor& grad_gamma,
                           const Tensor& grad_beta) override;
  void rms_norm(const Tensor& x, const Tensor& gamma, double eps, const Tensor& y, const Tensor& rstd) override;
  void rms_norm_backward(const Tensor& grad_y, const Tensor& x, const Tensor& rstd, const Tensor& gamma,
                         const Tensor& grad_x, const Tensor& grad_gamma) override;

  void matmul(const Tensor& a, const Tensor& b, const Tensor& out) override;

  void index_select(const Tensor& x, const Tensor& index, const Tensor& out, int64_t outer, int64_t n,
                    int64_t inner) override;
  void gather(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& out) override;
  void scatter_add(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src) override;

  void im2col(const Tensor& x, const Tensor& cols, const Window2d& w) override;
  void col2im(const Tensor& cols, const Tensor& x, const Window2d& w) override;
  void upsample_nearest2d(const Tensor& x, const Tensor& out, int64_t scale) override;
  void upsample_nearest2d_backward(const Tensor& grad_out, const Tensor& grad_x, int64_t scale) override;
  void avg_pool2d(const Tensor& x, const Tensor& out, const Window2d& w) override;
  void avg_pool2d_backward(const Tensor& grad_out, const Tensor& grad_x, const Window2d& w) override;

  void adam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                 const AdamStep& step) override;
  void ema_update(const Tensor& average, const Tensor& value, double decay) override;

  void random_uniform(const Tensor& out, uint64_t seed, uint64_t offset) override;
  void random_normal(const Tensor& out, uint64_t seed, uint64_t offset) override;
  void random_int(const Tensor& out, int64_t low, int64_t high, uint64_t seed, uint64_t offset) override;
};

// The one backend object, built on first use; cuda/register.cpp plugs it into the tensor
// layer at start-up (before main), which is how backend(Device::cuda()) finds it.
CudaBackend& cuda_backend();

}  // namespace rill::cuda
