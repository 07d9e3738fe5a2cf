// rill examples — the training loop every example program shares.
//
// For each step s in [state.step, last_step):
//   lr   = schedule(s)                       set on the optimizer
//   loss = loss_at(s)                        the program's own part: draw a batch, pair, CFM loss
//   stop if loss is NaN or infinite          (nothing is saved: the last checkpoint stays good)
//   backward(loss)
//   on P > 1 processes (options.parallel): the losses and gradients averaged over the
//   ranks (data_parallel.h), the NaN check then on the averaged loss, on every rank alike
//   norm = ||grad||, clipped to max_grad_norm; stop if it is NaN or infinite
//   optimizer step, EMA update               (optional EMA)
//   progress line, a metrics.csv row every log_every steps (and at the last step); in a
//   row of a step that is a multiple of validate_every (and the last), the validation loss
//   of the weights the step's loss was computed with (before its update)
//   every sample_every steps, sample(step count) (a picture of the samples so far)
//   checkpoint every save_every steps and at last_step (save_checkpoint refuses non-finite
//   values, so a run whose weights diverged stops there, naming the step), then loss.png
//   and report.html rebuilt (report.h), so a long run can be watched
// state.step is advanced as it goes, so a checkpoint resumes exactly where it was taken.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>

#include "examples/common/data_parallel.h"
#include "examples/common/plot.h"
#include "examples/common/run_dir.h"
#include "nn/checkpoint.h"
#include "nn/schedule.h"

namespace rill::examples {

struct LoopOptions {
  std::string program;              // prefix of messages
  int64_t total_steps = 0;          // the run's --steps (progress and the last metrics row)
  int64_t last_step = 0;            // this call trains up to here (--stop-after), <= total_steps
  int64_t save_every = 0;           // checkpoint period; 0: only at last_step
  int64_t log_every = 1;            // metrics.csv period
  int64_t print_every = 100;        // progress period when stdout is not a terminal
  double max_grad_norm = INFINITY;  // clip the gradient norm to this; INFINITY measures only
  RunDir* dir = nullptr;            // null: no metrics.csv and no checkpoints (the fm_* programs, ranks > 0)
  // Training on several processes: loss_at returns the loss of this rank's rows, the loop
  // averages losses and gradients, and only rank 0 shows progress. Null: one process.
  DataParallel* parallel = nullptr;
  // Called before each step with the step's index (and once more after the last): learning
  // curves of the idea programs.
  std::function<void(int64_t step)> before_step;
  // A loss on a fixed batch, the same at every call for the same weights (so a resumed run
  // writes the same column): the val_loss column of metrics.csv. Only with dir.
  std::function<double()> validate;
  int64_t validate_every = 0;
  // Called after the update of every step s with (s + 1) % sample_every == 0, with s + 1
  // (the steps done): samples_step<N>.png. Only with dir.
  std::function<void(int64_t steps_done)> sample;
  int64_t sample_every = 0;
  // When set, every logged (step, loss) is appended here too (the fm_* programs' loss.png).
  LossLog* losses = nullptr;
};

struct LoopResult {
  double seconds = 0;        // wall time of this call
  double smoothed_loss = 0;  // exponential moving average of the loss (factor 0.98); NaN if no step ran
  double last_loss = NAN;    // the loss of the last step (averaged over the ranks); NaN if no step ran
};

// Trains state.model with state.optimizer (and state.ema when set) from state.step.
LoopResult train_loop(nn::TrainingState& state, const nn::LRSchedule& schedule,
                      const std::function<Tensor(int64_t step)>& loss_at, const LoopOptions& options);

// --minutes M: how many steps fit in `seconds` of training, so a time budget becomes an
// ordinary run of that many steps (its schedule spans them; it is then reproducible with
// --steps N and resumable like any run). Times `probe` steps' work (loss_at(state.step),
// backward and the gradient norm) after one untimed step that warms caches and
// allocations, then undoes every trace of them: gradients zeroed, state.generator and the
// default generator restored; weights, optimizer, EMA and state.step are never touched.
// The optimizer's update, the EMA, logging and checkpoints are not timed: a run takes a
// few percent longer than planned (its metrics.json has the real time).
int64_t steps_for_budget(nn::TrainingState& state, const std::function<Tensor(int64_t step)>& loss_at,
                         double seconds, int probe = 3);

// The step count of a run started with --minutes: on a fresh run, planned by
// steps_for_budget and printed; on --resume, the count the run planned, from its
// config.json ("steps"), so the schedule goes on as it was. Refused on several processes
// (each would plan its own count).
int64_t budget_steps(double minutes, bool resume, const RunDir* dir, nn::TrainingState& state,
                     const std::function<Tensor(int64_t step)>& loss_at, int processes);

}  // namespace rill::examples
