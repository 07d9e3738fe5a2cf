#include "examples/common/run.h"

#include <cmath>
#include <filesystem>

#include "nn/io.h"
#include "tensor/parallel.h"

namespace rill::examples {

void startup_report(const std::string& program, int threads, Device device) {
  if (threads > 0) set_num_threads(threads);
  fmt::print("{}: BLAS {}\n{}: {} threads, device {}\n", program, blas_info(), program, get_num_threads(), device);
  if (const std::string advice = blas_core_advice(); !advice.empty()) fmt::print("{}: note: {}\n", program, advice);
}

RunDir::RunDir(const std::string& path) : path_(path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  RILL_CHECK(!ec, "cannot create output folder {}: {}", path, ec.message());
}

std::string RunDir::file(const std::string& name) const { return (std::filesystem::path(path_) / name).string(); }

void RunDir::write_config(const Json& config) const { nn::write_text_file(file("config.json"), config.dump(2) + "\n"); }

void RunDir::open_metrics_csv(bool append) {
  const std::string p = file("metrics.csv");
  const bool existed = append && std::filesystem::exists(p);
  csv_.open(p, append ? std::ios::app : std::ios::trunc);
  RILL_CHECK(csv_.good(), "cannot write {}", p);
  if (!existed) csv_ << "step,loss,lr,time\n";
}

void RunDir::log_step(int64_t step, double loss, double lr, double seconds) {
  csv_ << step << ',' << fmt::format("{:.6g},{:.6g},{:.3f}", loss, lr, seconds) << '\n';
}

void RunDir::write_metrics(const Json& metrics) const { nn::write_text_file(file("metrics.json"), metrics.dump(2) + "\n"); }

void check_loss(double loss, int64_t step) {
  RILL_CHECK(std::isfinite(loss),
             "training stopped: the loss became {} at step {}; nothing was saved after the last checkpoint "
             "(try a lower --lr)",
             loss, step);
}

void check_grad_norm(double norm, int64_t step) {
  RILL_CHECK(std::isfinite(norm),
             "training stopped: the gradient norm became {} at step {}; nothing was saved after the last checkpoint "
             "(try a lower --lr)",
             norm, step);
}

}  // namespace rill::examples
