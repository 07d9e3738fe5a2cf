#include "examples/common/run_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "io/atomic_file.h"
#include "io/input_file.h"
#include "io/npy.h"

namespace rill::examples {
namespace fs = std::filesystem;

namespace {

const char* const kCsvHeader = "step,loss,lr,time";  // then ",val_loss" with validation

std::string read_all(int fd) {
  std::string s;
  char buffer[256];
  ::lseek(fd, 0, SEEK_SET);
  for (ssize_t n; (n = ::read(fd, buffer, sizeof(buffer))) > 0;) s.append(buffer, static_cast<size_t>(n));
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// "<name>.tmp.<pid>" (AtomicFile's temporary) -> pid, or -1 for any other name.
pid_t temp_file_writer(const std::string& name) {
  const size_t at = name.rfind(".tmp.");
  if (at == std::string::npos || at + 5 == name.size()) return -1;
  const std::string digits = name.substr(at + 5);
  if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) return -1;
  return static_cast<pid_t>(std::stol(digits));
}

}  // namespace

RunDir::RunDir(const std::string& path, const std::string& program) : path_(path), program_(program) {
  std::error_code ec;
  fs::create_directories(path, ec);
  RILL_CHECK(!ec, "cannot create output folder {}: {}", path, ec.message());

  // The lock: flock is released by the kernel when the process ends, however it ends, so
  // a crashed run never leaves the folder locked.
  const std::string lock = file(".lock");
  lock_fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  RILL_CHECK(lock_fd_ >= 0, "cannot open {}: {}", lock, std::strerror(errno));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    const int why = errno;
    const std::string holder = read_all(lock_fd_);
    ::close(lock_fd_);
    lock_fd_ = -1;
    RILL_CHECK(why != EWOULDBLOCK,
               "output folder {} is in use by another run ({}); wait for it to finish or choose "
               "another --out",
               path, holder.empty() ? "its lock file is empty" : holder);
    throw Error(fmt::format("cannot lock {}: {}", lock, std::strerror(why)));
  }
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char when[32];
  std::strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", std::localtime(&now));
  const std::string owner = fmt::format("pid {}, {}, started {}\n", ::getpid(), program, when);
  RILL_CHECK(::ftruncate(lock_fd_, 0) == 0 &&
                 ::pwrite(lock_fd_, owner.data(), owner.size(), 0) == static_cast<ssize_t>(owner.size()),
             "cannot write {}: {}", lock, std::strerror(errno));

  // Temporary files of writers that died mid-write. Any rill writer into this folder holds
  // the lock, which is now ours, so one whose process is gone is certainly abandoned.
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    const pid_t writer = temp_file_writer(entry.path().filename().string());
    if (writer <= 0 || writer == ::getpid() || !entry.is_regular_file()) continue;
    if (::kill(writer, 0) == 0 || errno != ESRCH) continue;  // that process still exists
    fs::remove(entry.path(), ec);
    if (!ec)
      fmt::print("{}: removed {}, left by a writer (pid {}) that died\n", program, entry.path().string(), writer);
  }
}

RunDir::~RunDir() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // closing releases the flock
}

std::string RunDir::file(const std::string& name) const { return (fs::path(path_) / name).string(); }

void RunDir::write_config(const Json& config) const { io::write_text_file(file("config.json"), config.dump(2) + "\n"); }

Json RunDir::read_config() const {
  const std::string p = file("config.json");
  std::ifstream in(p);
  RILL_CHECK(in.good(), "{}: cannot read {}", program_, p);
  try {
    return Json::parse(in);
  } catch (const std::exception& e) {
    throw Error(fmt::format("{}: {} is not valid JSON: {}", program_, p, e.what()));
  }
}

void RunDir::write_metrics(const Json& metrics) const {
  io::write_text_file(file("metrics.json"), metrics.dump(2) + "\n");
}

void RunDir::open_metrics_csv(int64_t resume_step, bool validation) {
  const std::string p = file("metrics.csv");
  validation_ = validation;
  std::string kept = std::string(kCsvHeader) + (validation ? ",val_loss" : "") + "\n";
  if (resume_step > 0 && fs::exists(p)) {
    // Keep the rows of steps before the checkpoint; rows after it were written by the
    // interrupted run past its last checkpoint, and the resumed run writes them again.
    std::ifstream in(p);
    std::string line;
    while (std::getline(in, line)) {
      const size_t comma = line.find(',');
      if (comma == 0 || comma == std::string::npos || line.find_first_not_of("0123456789") != comma)
        continue;  // header
      if (std::stoll(line.substr(0, comma)) < resume_step) kept += line + "\n";
    }
  }
  io::write_file_atomically(p, kept);
  csv_.open(p, std::ios::app);
  RILL_CHECK(csv_.good(), "cannot write {}", p);
}

void RunDir::log_step(int64_t step, double loss, double lr, double seconds, std::optional<double> val_loss) {
  csv_ << step << ',' << fmt::format("{:.6g},{:.6g},{:.3f}", loss, lr, seconds);
  if (validation_) csv_ << ',' << (val_loss ? fmt::format("{:.6g}", *val_loss) : "");
  csv_ << '\n';
}

void RunDir::load_checkpoint(nn::TrainingState& state, const std::string& flag) const {
  const std::string ckpt = file("checkpoint.safetensors");
  RILL_CHECK(fs::exists(ckpt), "{} needs {}, which does not exist", flag, ckpt);
  nn::load_checkpoint(ckpt, state);
  fmt::print("{}: loaded {} at step {}\n", program_, ckpt, state.step);
}

std::string RunDir::read_checkpoint_bytes(const std::string& flag) const {
  const std::string ckpt = file("checkpoint.safetensors");
  RILL_CHECK(fs::exists(ckpt), "{} needs {}, which does not exist", flag, ckpt);
  return io::read_file(ckpt, program_);
}

void RunDir::checkpoint(const nn::TrainingState& state) {
  if (csv_.is_open()) {
    csv_.flush();
    RILL_CHECK(csv_.good(), "writing {} failed", file("metrics.csv"));
  }
  nn::save_checkpoint(file("checkpoint.safetensors"), state);
}

}  // namespace rill::examples
