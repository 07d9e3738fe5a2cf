#include "flowmatch/time.h"

#include "tensor/ops.h"

namespace rill::flowmatch {

TimeSampler TimeSampler::parse(const std::string& name) {
  if (name == "uniform") return uniform();
  if (name == "logit-normal") return logit_normal();
  throw Error(fmt::format("TimeSampler: unknown sampler '{}' (expected uniform or logit-normal)", name));
}

Tensor TimeSampler::sample(int64_t n, TensorOptions options, Generator* gen) const {
  if (!logit_normal_) return rand({n}, options, gen);
  return ops::sigmoid(ops::add(ops::mul(randn({n}, options, gen), std_), mean_));
}

}  // namespace rill::flowmatch
