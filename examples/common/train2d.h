// rill examples — the small 2-D training loop shared by the flow-matching idea programs
// (examples/fm_*.cpp): an MLP velocity field trained by CFM on samplers of 2-D points.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "examples/common/plot.h"
#include "flowmatch/flowmatch.h"
#include "nn/mlp.h"

namespace rill::examples {

// n points [n, 2] from some distribution, drawn with gen.
using Sampler2d = std::function<Tensor(int64_t n, Generator& gen)>;
Sampler2d named_sampler(const std::string& name);  // data/toy2d.h names

struct Train2dOptions {
  int64_t steps = 2000, batch = 256, width = 256;
  double lr = 3e-3;
  uint64_t seed = 0;
  // Called every `every` steps with (step, model): for learning curves.
  std::function<void(int64_t, nn::MLP&)> callback;
  int64_t every = 100;
  // Where the network trains (--device). Points are drawn on the CPU, by the same
  // generators on every device, and moved to the network's device for each step.
  Device device = Device::cpu();
  // When set, the loss of every step is appended here (the program's loss.png).
  LossLog* losses = nullptr;
};

// Trains a fresh MLP with the given CFM options (path, coupling, time sampler); Adam with
// a cosine schedule. Prints one progress line per 25% of the steps.
std::shared_ptr<nn::MLP> train_2d(const std::string& name, const flowmatch::CFMOptions& cfm, const Sampler2d& source,
                                  const Sampler2d& data, const Train2dOptions& options);
// The same, continuing from `model` (e.g. reflow fine-tuning).
void train_2d_into(nn::MLP& model, const std::string& name, const flowmatch::CFMOptions& cfm, const Sampler2d& source,
                   const Sampler2d& data, const Train2dOptions& options);

// model(t, x) for inputs on any device, without gradients: computed on the model's
// device, returned on x's device (so evaluation code can stay on the CPU).
Tensor evaluate(nn::MLP& model, const Tensor& t, const Tensor& x);

// The model as an ODE field v(t, x), through evaluate().
flowmatch::VectorField field_of(nn::MLP& model);

}  // namespace rill::examples
