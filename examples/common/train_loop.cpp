#include "examples/common/train_loop.h"

#include "autograd/autograd.h"
#include "examples/common/progress.h"
#include "examples/common/report.h"
#include "examples/common/run.h"
#include "nn/optim.h"

namespace rill::examples {

LoopResult train_loop(nn::TrainingState& state, const nn::LRSchedule& schedule,
                      const std::function<Tensor(int64_t step)>& loss_at, const LoopOptions& o) {
  RILL_CHECK(state.model && state.optimizer, "train_loop: needs a model and an optimizer");
  nn::Module& model = *state.model;
  nn::Optimizer& opt = *state.optimizer;
  if (state.step >= o.last_step) return {0, NAN, NAN};  // nothing left to train (a resumed, finished run)
  const bool validating = o.dir && o.validate && o.validate_every > 0;
  if (o.dir) o.dir->open_metrics_csv(state.step, validating);
  const bool parallel = o.parallel != nullptr && o.parallel->size() > 1;
  const bool show = o.parallel == nullptr || o.parallel->is_root();  // progress on rank 0 only
  Progress progress(o.total_steps, state.step, o.print_every);
  model.train();
  double value = NAN;
  for (int64_t step = state.step; step < o.last_step; ++step) {
    if (o.before_step) o.before_step(step);
    const bool row = step % o.log_every == 0 || step + 1 == o.total_steps;
    std::optional<double> val;
    if (validating && row && (step % o.validate_every == 0 || step + 1 == o.total_steps)) val = o.validate();
    opt.set_lr(schedule.at(step));
    opt.zero_grad();
    const Tensor loss = loss_at(step);
    value = loss.item();
    if (!parallel) check_loss(value, step);
    autograd::backward(loss);
    if (parallel) {
      // Every rank gets the same mean loss and gradient, so every rank passes or stops
      // here alike, and the clipping, Adam and the EMA below stay identical on all ranks.
      value = o.parallel->average_gradients(model.parameters(), value);
      check_loss(value, step);
    }
    check_grad_norm(nn::clip_grad_norm_(model.parameters(), o.max_grad_norm), step);
    opt.step();
    if (state.ema) state.ema->update(model);
    if (show) progress.update(step, value);
    if (o.dir && row) o.dir->log_step(step, value, opt.lr(), progress.elapsed_seconds(), val);
    if (o.losses && row) o.losses->emplace_back(step, value);
    state.step = step + 1;
    if (o.dir && o.sample && o.sample_every > 0 && state.step % o.sample_every == 0) o.sample(state.step);
    if (o.dir && ((o.save_every > 0 && state.step % o.save_every == 0) || state.step == o.last_step)) {
      o.dir->checkpoint(state);
      // The pictures are for watching; a failure to draw them must not stop a long run
      // whose checkpoint is safe (the end of the run draws them again, and fails there).
      try {
        update_report(*o.dir);
      } catch (const std::exception& e) {
        fmt::print("{}: could not update loss.png and report.html at step {}: {}\n", o.program, state.step, e.what());
      }
    }
  }
  if (o.before_step) o.before_step(state.step);
  if (show) progress.finish();
  return {progress.elapsed_seconds(), show ? progress.smoothed_loss() : NAN, value};
}

}  // namespace rill::examples
