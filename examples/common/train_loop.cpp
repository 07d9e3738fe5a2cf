#include "examples/common/train_loop.h"

#include <chrono>

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
    if (state.ema) state.ema->update(model, step);  // (the step decides a warm-up decay)
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

int64_t steps_for_budget(nn::TrainingState& state, const std::function<Tensor(int64_t step)>& loss_at,
                         double seconds, int probe) {
  RILL_CHECK(state.model && seconds > 0 && probe >= 1, "steps_for_budget: needs a model, seconds > 0 and probe >= 1");
  const Generator::State gen_state = state.generator ? state.generator->state() : Generator::State{};
  const Generator::State default_state = default_generator().state();
  nn::Module& model = *state.model;
  model.train();
  double timed = 0;
  for (int i = 0; i <= probe; ++i) {
    const auto start = std::chrono::steady_clock::now();
    model.zero_grad();
    autograd::backward(loss_at(state.step));
    nn::clip_grad_norm_(model.parameters(), INFINITY);
    if (i > 0) timed += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  model.zero_grad();
  if (state.generator) state.generator->set_state(gen_state);
  default_generator().set_state(default_state);
  return std::max<int64_t>(1, static_cast<int64_t>(seconds / (timed / probe)));
}

int64_t budget_steps(double minutes, bool resume, const RunDir* dir, nn::TrainingState& state,
                     const std::function<Tensor(int64_t step)>& loss_at, int processes) {
  RILL_CHECK(processes == 1 && dir, "--minutes runs in one process (got {} under mpirun); give --steps instead",
             processes);
  const std::string& program = dir->program();
  if (resume) {
    const Json config = dir->read_config();
    RILL_CHECK(config.contains("steps") && config.at("steps").is_number_integer(),
               "{}: --resume --minutes: {} has no planned step count", program, dir->file("config.json"));
    const int64_t steps = config.at("steps").get<int64_t>();
    fmt::print("{}: --minutes {}: resuming the run's planned {} steps\n", program, minutes, steps);
    return steps;
  }
  const int64_t steps = steps_for_budget(state, loss_at, 60 * minutes);
  fmt::print("{}: --minutes {}: {:.2f} ms per step measured, so this run is --steps {}\n", program, minutes,
             60e3 * minutes / static_cast<double>(steps), steps);
  return steps;
}

}  // namespace rill::examples
