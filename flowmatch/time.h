// rill flowmatch — sampling training times t in [0, 1].
//   uniform:      t ~ U(0, 1)
//   logit-normal: t = sigmoid(m + s z), z ~ N(0, 1)  (Esser et al. 2024: puts more weight
//                 on the middle of the path, where the velocity is hardest to predict)
#pragma once

#include <string>

#include "tensor/random.h"
#include "tensor/tensor.h"

namespace rill::flowmatch {

class TimeSampler {
 public:
  static TimeSampler uniform() { return TimeSampler(false, 0, 1); }
  static TimeSampler logit_normal(double mean = 0.0, double std = 1.0) { return TimeSampler(true, mean, std); }
  static TimeSampler parse(const std::string& name);  // "uniform" or "logit-normal"

  // n times as a [n] tensor (float32 unless options say otherwise).
  Tensor sample(int64_t n, TensorOptions options = {}, Generator* gen = nullptr) const;

 private:
  TimeSampler(bool logit, double mean, double std) : logit_normal_(logit), mean_(mean), std_(std) {}
  bool logit_normal_;
  double mean_, std_;
};

}  // namespace rill::flowmatch
