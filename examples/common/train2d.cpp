#include "examples/common/train2d.h"

#include "autograd/autograd.h"
#include "data/toy2d.h"
#include "examples/common/train_loop.h"
#include "nn/optim.h"
#include "nn/schedule.h"
#include "tensor/ops.h"

namespace rill::examples {

Sampler2d named_sampler(const std::string& name) {
  return [name](int64_t n, Generator& gen) { return data::sample_2d(name, n, &gen); };
}

void train_2d_into(nn::MLP& model, const std::string& name, const flowmatch::CFMOptions& cfm, const Sampler2d& source,
                   const Sampler2d& data, const Train2dOptions& o) {
  Generator gen(o.seed + 1);
  model.to(o.device);
  nn::Adam opt(model.named_parameters(), {o.lr});
  const auto schedule = nn::LRSchedule::cosine(o.lr, o.steps, std::min<int64_t>(100, o.steps / 10));
  nn::TrainingState state{&model, &opt, nullptr, &gen, 0};
  LoopOptions loop;
  loop.program = name, loop.total_steps = loop.last_step = o.steps,
  loop.print_every = std::max<int64_t>(1, o.steps / 4);
  loop.losses = o.losses;
  if (o.callback)
    loop.before_step = [&](int64_t step) {
      if (step % o.every == 0 || step == o.steps) o.callback(step, model);
    };
  train_loop(
      state, schedule,
      [&](int64_t) {
        return flowmatch::cfm_loss(std::ref(model), cfm, ops::to(source(o.batch, gen), o.device),
                                   ops::to(data(o.batch, gen), o.device), &gen);
      },
      loop);
}

std::shared_ptr<nn::MLP> train_2d(const std::string& name, const flowmatch::CFMOptions& cfm, const Sampler2d& source,
                                  const Sampler2d& data, const Train2dOptions& o) {
  manual_seed(o.seed);
  auto model = std::make_shared<nn::MLP>(2, o.width);
  train_2d_into(*model, name, cfm, source, data, o);
  return model;
}

Tensor evaluate(nn::MLP& model, const Tensor& t, const Tensor& x) {
  no_grad guard;
  const Device device = model.parameters().front().device();
  return ops::to(model(ops::to(t, device), ops::to(x, device)), x.device());
}

flowmatch::VectorField field_of(nn::MLP& model) {
  return [&model](double t, const Tensor& x) { return evaluate(model, full({x.size(0)}, t, x.options()), x); };
}

}  // namespace rill::examples
