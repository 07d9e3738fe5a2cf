// rill CUDA — fused optimizer updates: Adam/AdamW and EMA in one kernel per parameter.
//
// adam_step: the arithmetic of tensor/cpu/optim.cpp, operation for operation, each
// rounded once through the _rn intrinsics (nvcc would otherwise contract a * b + c into
// fused multiply-adds). The CPU compiler may contract its loop, so the two agree to
// float rounding, not necessarily to the bit.
// ema_update: the specification is the composition of ops in tensor/backend.cpp, which
// rounds each operation once; the kernel does the same operations in the same order,
// so it gives the CPU's bits.
#include <cmath>

#include "cuda/cuda_backend.h"
#include "cuda/loops.cuh"

namespace rill::cuda {
namespace {

// Correctly rounded float / double arithmetic, one rounding per operation.
__device__ float add_rn(float a, float b) { return __fadd_rn(a, b); }
__device__ double add_rn(double a, double b) { return __dadd_rn(a, b); }
__device__ float sub_rn(float a, float b) { return __fsub_rn(a, b); }
__device__ double sub_rn(double a, double b) { return __dsub_rn(a, b); }
__device__ float mul_rn(float a, float b) { return __fmul_rn(a, b); }
__device__ double mul_rn(double a, double b) { return __dmul_rn(a, b); }
__device__ float div_rn(float a, float b) { return __fdiv_rn(a, b); }
__device__ double div_rn(double a, double b) { return __ddiv_rn(a, b); }
__device__ float sqrt_rn(float a) { return __fsqrt_rn(a); }
__device__ double sqrt_rn(double a) { return __dsqrt_rn(a); }

// The step's constants in T, computed in double first, as the CPU computes them.
template <typename T>
struct AdamConstants {
  T beta1, one_minus_beta1, beta2, one_minus_beta2, wd, decay, eps, sqrt_bias2, step_size;
  bool l2, decoupled;
};

// g = grad + wd p (Adam);  p' = decay p (AdamW);  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
// p = p' - m / (sqrt(v) / sqrt(bias2) + eps) * lr / bias1
template <typename T>
__global__ void adam_kernel(T* param, const T* grad, T* exp_avg, T* exp_avg_sq, int64_t n, AdamConstants<T> c) {
  RILL_CUDA_FOR(i, n) {
    const T p = param[i];
    const T g = c.l2 ? add_rn(grad[i], mul_rn(p, c.wd)) : grad[i];
    const T value = c.decoupled ? mul_rn(p, c.decay) : p;
    const T m = add_rn(mul_rn(exp_avg[i], c.beta1), mul_rn(g, c.one_minus_beta1));
    const T v = add_rn(mul_rn(exp_avg_sq[i], c.beta2), mul_rn(mul_rn(g, g), c.one_minus_beta2));
    exp_avg[i] = m;
    exp_avg_sq[i] = v;
    param[i] = sub_rn(value, mul_rn(div_rn(m, add_rn(div_rn(sqrt_rn(v), c.sqrt_bias2), c.eps)), c.step_size));
  }
}

// average = decay average + (1 - decay) value
template <typename T>
__global__ void ema_kernel(T* average, const T* value, int64_t n, T decay, T one_minus_decay) {
  RILL_CUDA_FOR(i, n) average[i] = add_rn(mul_rn(average[i], decay), mul_rn(value[i], one_minus_decay));
}

}  // namespace

void CudaBackend::adam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                            const AdamStep& s) {
  const int64_t n = param.numel();
  if (n == 0) return;
  dispatch_float(param.dtype(), "adam_step", [&]<typename T>() {
    const AdamConstants<T> c{T(s.beta1),
                             T(1 - s.beta1),
                             T(s.beta2),
                             T(1 - s.beta2),
                             T(s.weight_decay),
                             T(1 - s.lr * s.weight_decay),
                             T(s.eps),
                             T(std::sqrt(s.bias2)),
                             T(s.lr / s.bias1),
                             !s.decoupled && s.weight_decay != 0,
                             s.decoupled && s.weight_decay != 0};
    adam_kernel<T><<<blocks_for(n), kThreads, 0, stream()>>>(ptr<T>(param), ptr<T>(grad), ptr<T>(exp_avg),
                                                             ptr<T>(exp_avg_sq), n, c);
    RILL_CUDA_CHECK_LAUNCH("adam_step");
  });
}

void CudaBackend::ema_update(const Tensor& average, const Tensor& value, double decay) {
  const int64_t n = average.numel();
  if (n == 0) return;
  dispatch_float(average.dtype(), "ema_update", [&]<typename T>() {
    ema_kernel<T><<<blocks_for(n), kThreads, 0, stream()>>>(ptr<T>(average), ptr<T>(value), n, static_cast<T>(decay),
                                                            static_cast<T>(1 - decay));
    RILL_CUDA_CHECK_LAUNCH("ema_update");
  });
}

}  // namespace rill::cuda
