// rill nn — parameter initialisation, in place, as torch.nn.init.
//
// fan_in / fan_out of a weight [out, in, k...] are in * prod(k) and out * prod(k).
//   kaiming_uniform(a):  U(-b, b),  b = gain * sqrt(3 / fan_in),  gain = sqrt(2 / (1 + a^2))
//   kaiming_normal(a):   N(0, std^2),  std = gain / sqrt(fan_in)
//   xavier_uniform:      U(-b, b),  b = sqrt(6 / (fan_in + fan_out))
//   xavier_normal:       N(0, std^2),  std = sqrt(2 / (fan_in + fan_out))
// PyTorch's default for Linear and Conv2d weights is kaiming_uniform with a = sqrt(5),
// i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the same bound for their biases.
// Every function draws from `gen` (the default generator when null).
#pragma once

#include <utility>

#include "tensor/random.h"
#include "tensor/tensor.h"

namespace rill::nn::init {

std::pair<int64_t, int64_t> fan_in_and_out(const Tensor& weight);

void uniform_(const Tensor& t, double low, double high, Generator* gen = nullptr);
void normal_(const Tensor& t, double mean, double std, Generator* gen = nullptr);
void constant_(const Tensor& t, double value);
void zeros_(const Tensor& t);
void ones_(const Tensor& t);
void kaiming_uniform_(const Tensor& t, double a = 0.0, Generator* gen = nullptr);
void kaiming_normal_(const Tensor& t, double a = 0.0, Generator* gen = nullptr);
void xavier_uniform_(const Tensor& t, double gain = 1.0, Generator* gen = nullptr);
void xavier_normal_(const Tensor& t, double gain = 1.0, Generator* gen = nullptr);

}  // namespace rill::nn::init
