// rill CUDA — fused optimizer updates: Adam/AdamW and EMA in one kernel per parameter.
//
// The specification is the composition of ops in tensor/backend.cpp (formulas:
// tensor/optim.h). Each of those ops rounds its result to T once; the kernels below
// do the same operations in the same order through the _rn intrinsics, which round
// once each and are never contracted into fused multiply-adds. The result is
// therefore the CPU's, bit for bit.
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

// The coefficients rounded to T, as the scalar operands of the composed ops are.
template <typename T>
struct AdamScalars {
  T beta1, beta2, one_minus_beta1, one_minus_beta2, eps, step_size, sqrt_bias2, decay, l2;
  bool has_decay, has_l2;
};

template <typename T>
__global__ void adam_kernel(T* param, const T* grad, T* exp_avg, T* exp_avg_sq, int64_t n, AdamScalars<T> c) {
  RILL_CUDA_FOR(i, n) {
    const T p = param[i];
    const T g = c.has_l2 ? add_rn(grad[i], mul_rn(p, c.l2)) : grad[i];            // g + l2 p
    const T value = c.has_decay ? mul_rn(p, c.decay) : p;                          // decay p
    const T m = add_rn(mul_rn(exp_avg[i], c.beta1), mul_rn(g, c.one_minus_beta1));  // b1 m + (1 - b1) g
    const T v = add_rn(mul_rn(exp_avg_sq[i], c.beta2), mul_rn(mul_rn(g, g), c.one_minus_beta2));
    const T denom = add_rn(div_rn(sqrt_rn(v), c.sqrt_bias2), c.eps);                // sqrt(v) / sqrt(bias2) + eps
    exp_avg[i] = m;
    exp_avg_sq[i] = v;
    param[i] = sub_rn(value, mul_rn(div_rn(m, denom), c.step_size));               // value - m / denom * step
  }
}

// average = decay average + (1 - decay) value
template <typename T>
__global__ void ema_kernel(T* average, const T* value, int64_t n, T decay, T one_minus_decay) {
  RILL_CUDA_FOR(i, n) average[i] = add_rn(mul_rn(average[i], decay), mul_rn(value[i], one_minus_decay));
}

}  // namespace

void CudaBackend::adam_update(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                              const AdamCoefficients& c) {
  const int64_t n = param.numel();
  if (n == 0) return;
  dispatch_float(param.dtype(), "adam_update", [&]<typename T>() {
    const AdamScalars<T> s{static_cast<T>(c.beta1),     static_cast<T>(c.beta2),     static_cast<T>(c.one_minus_beta1),
                           static_cast<T>(c.one_minus_beta2), static_cast<T>(c.eps), static_cast<T>(c.step_size),
                           static_cast<T>(c.sqrt_bias2), static_cast<T>(c.decay),    static_cast<T>(c.l2),
                           c.decay != 1,                 c.l2 != 0};
    adam_kernel<T><<<blocks_for(n), kThreads, 0, stream()>>>(ptr<T>(param), ptr<T>(grad), ptr<T>(exp_avg),
                                                             ptr<T>(exp_avg_sq), n, s);
    RILL_CUDA_CHECK_LAUNCH("adam_update");
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
