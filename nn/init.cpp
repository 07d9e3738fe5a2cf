#include "nn/init.h"

#include <cmath>

#include "autograd/grad_mode.h"
#include "tensor/ops.h"

namespace rill::nn::init {

std::pair<int64_t, int64_t> fan_in_and_out(const Tensor& w) {
  RILL_CHECK(w.dim() >= 2, "init: fan in/out need a weight with at least 2 dimensions, got shape {}",
             shape_str(w.shape()));
  const int64_t receptive = w.numel() / (w.size(0) * w.size(1));
  return {w.size(1) * receptive, w.size(0) * receptive};
}

void uniform_(const Tensor& t, double low, double high, Generator* gen) {
  // low + (high - low) u,  u ~ U(0, 1)
  const Tensor u = rand(t.shape(), t.options(), gen);
  ops::copy_(t, ops::add(ops::mul(u, high - low), low));
}

void normal_(const Tensor& t, double mean, double std, Generator* gen) {
  ops::copy_(t, ops::add(ops::mul(randn(t.shape(), t.options(), gen), std), mean));
}

void constant_(const Tensor& t, double value) { ops::fill_(t, value); }
void zeros_(const Tensor& t) { constant_(t, 0.0); }
void ones_(const Tensor& t) { constant_(t, 1.0); }

void kaiming_uniform_(const Tensor& t, double a, Generator* gen) {
  const double gain = std::sqrt(2.0 / (1.0 + a * a));
  const double bound = gain * std::sqrt(3.0 / static_cast<double>(fan_in_and_out(t).first));
  uniform_(t, -bound, bound, gen);
}

void kaiming_normal_(const Tensor& t, double a, Generator* gen) {
  const double gain = std::sqrt(2.0 / (1.0 + a * a));
  normal_(t, 0.0, gain / std::sqrt(static_cast<double>(fan_in_and_out(t).first)), gen);
}

void xavier_uniform_(const Tensor& t, double gain, Generator* gen) {
  const auto [fan_in, fan_out] = fan_in_and_out(t);
  const double bound = gain * std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
  uniform_(t, -bound, bound, gen);
}

void xavier_normal_(const Tensor& t, double gain, Generator* gen) {
  const auto [fan_in, fan_out] = fan_in_and_out(t);
  normal_(t, 0.0, gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out)), gen);
}

}  // namespace rill::nn::init
