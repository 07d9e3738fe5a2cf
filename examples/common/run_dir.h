// rill examples — the --out folder of one run.
//
// What a run leaves there, and the rules that keep it whole:
//   .lock                    held (flock) while a run uses the folder: a second run on the
//                            same folder is refused with a message naming the first, instead
//                            of both writing and leaving a mix of two runs
//   *.tmp.<pid>              an atomic write in progress (io/atomic_file.h); one whose writer
//                            died (kill -9, power loss) is removed when the next run starts
//   config.json              the flags of the training run
//   metrics.csv              step,loss,lr,time (and val_loss for a program that validates);
//                            flushed at every checkpoint, and on --resume
//                            cut back to the checkpoint's step before new rows are appended, so
//                            a resumed run's file equals an uninterrupted run's (times aside)
//   checkpoint.safetensors   written by checkpoint(), atomically
//   metrics.json             the final numbers
//   loss.png, report.html    the loss curve and the page showing the run (report.h),
//                            rebuilt at every checkpoint and at the end
#pragma once

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>

#include "nn/checkpoint.h"
#include <nlohmann/json.hpp>

namespace rill::examples {

using Json = nlohmann::ordered_json;

class RunDir {
 public:
  // Creates the folder, takes its lock (or throws, naming the run that holds it) and
  // removes temporary files of dead writers. `program` is recorded in the lock file.
  RunDir(const std::string& path, const std::string& program);
  ~RunDir();  // releases the lock
  RunDir(const RunDir&) = delete;
  RunDir& operator=(const RunDir&) = delete;

  std::string file(const std::string& name) const;
  const std::string& program() const { return program_; }  // the prefix of its messages
  void write_config(const Json& config) const;             // config.json
  Json read_config() const;  // config.json as written; throws, naming the file, when absent or not JSON
  void write_metrics(const Json& metrics) const;           // metrics.json

  // metrics.csv: a new file with its header (resume_step == 0), or the existing file kept
  // up to the rows of steps before resume_step. With `validation` the rows have a fifth
  // column, val_loss, empty in rows without a validation.
  void open_metrics_csv(int64_t resume_step, bool validation = false);
  void log_step(int64_t step, double loss, double lr, double seconds, std::optional<double> val_loss = {});

  // Restores `state` from checkpoint.safetensors for `flag` (--resume or --sample-only), or
  // throws when there is none; prints the step it continues from.
  void load_checkpoint(nn::TrainingState& state, const std::string& flag) const;
  // The bytes of checkpoint.safetensors, unparsed, for `flag` (or throws when there is
  // none): what rank 0 broadcasts when a run resumes on several processes (data_parallel.h).
  std::string read_checkpoint_bytes(const std::string& flag) const;
  // checkpoint.safetensors from `state`, after flushing metrics.csv (so after a crash the
  // file has every row up to the checkpoint). save_checkpoint refuses a state holding NaN
  // or infinity, so a diverged run never replaces the last good checkpoint.
  void checkpoint(const nn::TrainingState& state);

 private:
  std::string path_, program_;
  int lock_fd_ = -1;
  std::ofstream csv_;
  bool validation_ = false;
};

}  // namespace rill::examples
