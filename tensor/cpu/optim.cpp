// rill CPU — fused optimizer updates (formulas in tensor/optim.h).
#include <cmath>

#include "tensor/cpu/cpu_backend.h"
#include "tensor/cpu/parallel.h"

namespace rill {

void CpuBackend::adam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                           const AdamStep& s) {
  dispatch_float(param.dtype(), "adam_step", [&]<typename T>() {
    T* p = static_cast<T*>(param.raw_data());
    const T* g = static_cast<const T*>(grad.raw_data());
    T* m = static_cast<T*>(exp_avg.raw_data());
    T* v = static_cast<T*>(exp_avg_sq.raw_data());
    // The constants in T, computed in double first: the same values the elementwise
    // version of the optimizer used as its scalar operands.
    const T beta1 = T(s.beta1), one_minus_beta1 = T(1 - s.beta1), beta2 = T(s.beta2), one_minus_beta2 = T(1 - s.beta2);
    const T wd = T(s.weight_decay), decay = T(1 - s.lr * s.weight_decay), eps = T(s.eps);
    const T sqrt_bias2 = T(std::sqrt(s.bias2)), step_size = T(s.lr / s.bias1);
    const bool l2 = !s.decoupled && s.weight_decay != 0, decoupled = s.decoupled && s.weight_decay != 0;
    parallel_chunks(param.numel(), [&](int64_t begin, int64_t end) {
#pragma omp simd
      for (int64_t i = begin; i < end; ++i) {
        const T gi = l2 ? g[i] + p[i] * wd : g[i];
        const T pi = decoupled ? p[i] * decay : p[i];
        m[i] = m[i] * beta1 + gi * one_minus_beta1;
        v[i] = v[i] * beta2 + gi * gi * one_minus_beta2;
        p[i] = pi - m[i] / (std::sqrt(v[i]) / sqrt_bias2 + eps) * step_size;
      }
    });
  });
}

}  // namespace rill
