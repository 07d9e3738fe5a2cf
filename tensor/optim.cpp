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
  // In-place writes (storage.h): a forward pass that saved the parameter (a Linear's
  // weight, say) cannot be backpropagated through after the step.
  for (const Tensor* t : {&param, &exp_avg, &exp_avg_sq}) t->bump_version();
  backend(param.device()).adam_step(param, contiguous(grad), exp_avg, exp_avg_sq, step);
}

void ema_update_(const Tensor& average, const Tensor& value, double decay) {
  RILL_CHECK(value.shape() == average.shape() && value.dtype() == average.dtype() && value.device() == average.device(),
             "ema_update_: average {} ({}, {}) but value {} ({}, {})", shape_str(average.shape()), average.dtype(),
             average.device(), shape_str(value.shape()), value.dtype(), value.device());
  RILL_CHECK(is_floating(average.dtype()), "ema_update_: expected a floating dtype, got {}", average.dtype());
  RILL_CHECK(average.is_contiguous(), "ema_update_: the average {} must be contiguous (it is updated in place)",
             shape_str(average.shape()));
  const profiler::Scope scope("ema_update_");
  average.bump_version();  // an in-place write (storage.h)
  backend(average.device()).ema_update(average, contiguous(value), decay);
}

}  // namespace rill::ops
