// rill CPU — the CPU backend. Each group of methods is implemented in its own file:
//   memory.cpp       allocate (through the caching allocator of allocator.h), host copies
//   elementwise.cpp  copy, fill, unary, binary, where, clamp
//   reduce.cpp       reduce (rows or columns), softmax
//   norm.cpp         group_norm (also fused with SiLU), layer_norm, rms_norm and their fused backward
//   matmul.cpp       matmul through cblas_sgemm / cblas_dgemm
//   index.cpp        index_select, gather, scatter_add
//   image.cpp        im2col, col2im, upsample, avg_pool
//   conv.cpp         conv2d and its backward, one image per thread: strided windows by
//                    im2col (im2col.h) + GEMM (blas.h), stride 1 by conv_shifted.cpp
//   optim.cpp        fused Adam/AdamW update
//   random.cpp       Philox-based random fills
#pragma once

#include "tensor/backend.h"

namespace rill {

class CpuBackend final : public Backend {
 public:
  const char* name() const override { return "cpu"; }

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
  void group_norm_silu(const Tensor& x, const Tensor& gamma, const Tensor& beta, int64_t groups, double eps,
                       const Tensor& y, const Tensor& mean, const Tensor& rstd) override;
  void group_norm_silu_backward(const Tensor& grad_y, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                                const Tensor& gamma, const Tensor& beta, int64_t groups, const Tensor& grad_x,
                                const Tensor& grad_gamma, const Tensor& grad_beta) override;
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
  void conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Window2d& w, const Tensor& y) override;
  void conv2d_backward(const Tensor& grad_y, const Tensor& x, const Tensor& weight, const Window2d& w,
                       const Tensor& grad_x, const Tensor& grad_weight, const Tensor& grad_bias) override;
  void upsample_nearest2d(const Tensor& x, const Tensor& out, int64_t scale) override;
  void upsample_nearest2d_backward(const Tensor& grad_out, const Tensor& grad_x, int64_t scale) override;
  void avg_pool2d(const Tensor& x, const Tensor& out, const Window2d& w) override;
  void avg_pool2d_backward(const Tensor& grad_out, const Tensor& grad_x, const Window2d& w) override;

  void adam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                 const AdamStep& step) override;
  void random_uniform(const Tensor& out, uint64_t seed, uint64_t offset) override;
  void random_normal(const Tensor& out, uint64_t seed, uint64_t offset) override;
  void random_int(const Tensor& out, int64_t low, int64_t high, uint64_t seed, uint64_t offset) override;
};

CpuBackend& cpu_backend();

}  // namespace rill
