#include "tensor/optim.h"

#include "tensor/backend.h"
#include "tensor/view.h"

namespace rill::ops {
namespace {
void check_like(const char* op, const char* what, const Tensor& t, const Tensor& param) {
  RILL_CHECK(t.shape() == param.shape() && t.dtype() == param.dtype() && t.device() == param.device(),
             "{}: {} is {} {} on {}, the parameter {} {} on {}", op, what, shape_str(t.shape()), t.dtype(), t.device(),
             shape_str(param.shape()), param.dtype(), param.device());
}
}  // namespace

void adam_update(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                 const AdamCoefficients& c) {
  RILL_CHECK(is_floating(param.dtype()), "adam_update: expected a floating parameter, got {}", param.dtype());
  check_like("adam_update", "the gradient", grad, param);
  check_like("adam_update", "exp_avg", exp_avg, param);
  check_like("adam_update", "exp_avg_sq", exp_avg_sq, param);
  RILL_CHECK(param.is_contiguous() && exp_avg.is_contiguous() && exp_avg_sq.is_contiguous(),
             "adam_update: the parameter and its moments must be contiguous (they are updated in place)");
  backend(param.device()).adam_update(param, contiguous(grad), exp_avg, exp_avg_sq, c);
}

void ema_update(const Tensor& average, const Tensor& value, double decay) {
  RILL_CHECK(is_floating(average.dtype()), "ema_update: expected a floating average, got {}", average.dtype());
  check_like("ema_update", "the value", value, average);
  RILL_CHECK(average.is_contiguous(), "ema_update: the average must be contiguous (it is updated in place)");
  backend(average.device()).ema_update(average, contiguous(value), decay);
}

}  // namespace rill::ops
