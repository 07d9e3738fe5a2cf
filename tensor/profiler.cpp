#include "tensor/profiler.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>

namespace rill::profiler {
namespace {

std::atomic<bool> g_enabled{false};
thread_local int t_depth = 0;  // open scopes on this thread

struct Totals {
  std::mutex mutex;
  std::map<std::string, Entry> entries;
};
Totals& totals() {
  static Totals* t = new Totals();  // never destroyed: scopes may close during static destruction
  return *t;
}

}  // namespace

void enable(bool on) { g_enabled.store(on, std::memory_order_relaxed); }
bool enabled() { return g_enabled.load(std::memory_order_relaxed); }

void reset() {
  std::lock_guard<std::mutex> lock(totals().mutex);
  totals().entries.clear();
}

std::vector<Entry> report() {
  std::vector<Entry> out;
  {
    std::lock_guard<std::mutex> lock(totals().mutex);
    for (const auto& [name, e] : totals().entries) out.push_back(e);
  }
  std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return a.seconds > b.seconds; });
  return out;
}

Scope::Scope(std::string_view name) {
  if (!enabled()) return;
  active_ = true;
  if (t_depth++ == 0) {
    outermost_ = true;
    name_ = name;
    start_ = std::chrono::steady_clock::now();
  }
}

Scope::~Scope() {
  if (!active_) return;
  --t_depth;
  if (!outermost_) return;
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::lock_guard<std::mutex> lock(totals().mutex);
  Entry& e = totals().entries[name_];
  e.name = name_;
  ++e.calls;
  e.seconds += s;
}

}  // namespace rill::profiler
