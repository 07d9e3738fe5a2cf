#include "examples/common/progress.h"

#include <fmt/core.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace rill::examples {

namespace {
std::string clock_time(double seconds) {
  const int64_t s = static_cast<int64_t>(std::max(0.0, seconds));
  return s >= 3600 ? fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
                   : fmt::format("{}:{:02}", s / 60, s % 60);
}
}  // namespace

Progress::Progress(int64_t total, int64_t first_step, int64_t every)
    : total_(total),
      first_(first_step),
      every_(every),
      tty_(::isatty(::fileno(stdout)) != 0),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

double Progress::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::update(int64_t step, double loss) {
  smoothed_ = has_loss_ ? 0.98 * smoothed_ + 0.02 * loss : loss;
  has_loss_ = true;
  const int64_t done = step + 1;
  const double elapsed = elapsed_seconds();
  const double rate = static_cast<double>(done - first_) / std::max(elapsed, 1e-9);
  const double eta = static_cast<double>(total_ - done) / std::max(rate, 1e-9);
  if (tty_) {
    const auto now = std::chrono::steady_clock::now();
    if (done != total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;  // ~10 redraws a second
    last_draw_ = now;
    constexpr int kWidth = 24;
    const int filled = static_cast<int>(kWidth * done / std::max<int64_t>(total_, 1));
    std::string bar(filled, '=');
    if (filled < kWidth) bar += '>' + std::string(kWidth - filled - 1, ' ');
    fmt::print("\r[{}] {:>6}/{}  loss {:.4f}  {:.1f} it/s  ETA {}   ", bar, done, total_, smoothed_, rate,
               clock_time(eta));
    std::fflush(stdout);
  } else if (done % every_ == 0 || done == total_) {
    fmt::print("step {:>6}/{}  loss {:.4f}  {:.1f} it/s  elapsed {}  ETA {}\n", done, total_, smoothed_, rate,
               clock_time(elapsed), clock_time(eta));
    std::fflush(stdout);
  }
}

void Progress::finish() {
  if (tty_) fmt::print("\n");
}

}  // namespace rill::examples
