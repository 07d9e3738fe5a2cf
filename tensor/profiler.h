// rill — an op-level profiler: where a training step spends its time, by op name.
//
//   profiler::enable(true);
//   ... run a step ...
//   for (const auto& e : profiler::report()) fmt::print("{} {} {}\n", e.name, e.calls, e.seconds);
//
// Every raw op of the tensor layer (conv2d, matmul, add, group_norm, ...) opens a
// profiler::Scope around its kernel, and the autograd engine one around each node's
// backward (named after the node: "Conv2dBackward"). Only the outermost scope counts,
// so a backward node's time includes the raw ops it calls and nothing is counted twice;
// the forward pass therefore shows raw ops, the backward pass nodes. When the profiler
// is off (the default) a Scope costs one relaxed atomic load.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rill::profiler {

void enable(bool on);
bool enabled();
void reset();  // forget what was recorded

struct Entry {
  std::string name;
  int64_t calls = 0;
  double seconds = 0;
};
std::vector<Entry> report();  // slowest first

class Scope {
 public:
  explicit Scope(std::string_view name);
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  std::string name_;     // set only for an outermost scope while enabled
  bool active_ = false;  // opened while enabled
  bool outermost_ = false;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace rill::profiler
