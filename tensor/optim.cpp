#include "tensor/optim.h"

#include "tensor/profiler.h"
#include "tensor/view.h"

namespace rill::ops {

void adam_step_(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                const AdamStep& step) {
  for (const Tensor* t : {&grad, &exp_avg, &exp_avg_sq})
    RILL_CHECK(t->shape() == param.shape() && t->dtype() == param.dtype() && t->device() == param.device(),
               "adam_step_: parameter {} ({}, {}) but gradient or state {} ({}, {})", shape_str(param.shape()),
               param.dtype(), param.device(), shape_str(t->shape()), t->dtype(), t->device());
  RILL_CHECK(is_floating(param.dtype()), "adam_step_: expected a floating dtype, got {}", param.dtype());
  RILL_CHECK(param.is_contiguous() && exp_avg.is_contiguous() && exp_avg_sq.is_contiguous(),
             "adam_step_: the parameter {} and its state must be contiguous (they are updated in place)",
             shape_str(param.shape()));
  const profiler::Scope scope("adam_step_");
  backend(param.device()).adam_step(param, contiguous(grad), exp_avg, exp_avg_sq, step);
}

}  // namespace rill::ops
