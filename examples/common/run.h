// rill examples — what every example run shares: the start-up report, the output folder
// (config.json, metrics.csv, metrics.json), the training-loss guard, and devices.
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tensor/device.h"

namespace rill::examples {

using Json = nlohmann::ordered_json;

// Prints the BLAS library and core, the thread count and the device; sets the threads.
void startup_report(const std::string& program, int threads, Device device);

// The --out folder of one run.
class RunDir {
 public:
  explicit RunDir(const std::string& path);  // creates the folder
  std::string file(const std::string& name) const;
  void write_config(const Json& config) const;  // config.json
  // metrics.csv with header "step,loss,lr,time"; `append` keeps an existing file (resume).
  void open_metrics_csv(bool append);
  void log_step(int64_t step, double loss, double lr, double seconds);
  void write_metrics(const Json& metrics) const;  // metrics.json

 private:
  std::string path_;
  std::ofstream csv_;
};

// Stops the run with a clear message if the loss or the gradient norm is NaN or infinite
// (before the optimizer step and before anything is saved, so the last good checkpoint stays).
void check_loss(double loss, int64_t step);
void check_grad_norm(double norm, int64_t step);

}  // namespace rill::examples
