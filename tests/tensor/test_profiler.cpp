// The op profiler (tensor/profiler.h): outermost scopes only, counted only when on.
// (That the autograd engine times each backward node: tests/autograd/test_engine.cpp.)
#include "helpers.h"
#include "tensor/profiler.h"

using namespace rill;

namespace {
const profiler::Entry* find(const std::vector<profiler::Entry>& entries, const std::string& name) {
  for (const auto& e : entries)
    if (e.name == name) return &e;
  return nullptr;
}
}  // namespace

TEST_CASE("the op profiler counts outermost raw ops, once each, and only when on", "[tensor][profiler]") {
  const Tensor x = rill::test::pattern({2, 3, 5, 5}), w = rill::test::pattern({4, 3, 3, 3}),
               b = rill::test::pattern({4});
  profiler::reset();
  const Window2d window{3, 3, 1, 1, 1, 1};  // 3x3 kernel, stride 1, padding 1
  ops::conv2d(x, w, b, window);             // off: nothing recorded
  CHECK(profiler::report().empty());

  profiler::enable(true);
  ops::conv2d(x, w, b, window);
  ops::conv2d(x, w, b, window);
  {
    const profiler::Scope outer("outer");
    const profiler::Scope inner("inner");  // inside another scope: part of its time
  }
  profiler::enable(false);
  const std::vector<profiler::Entry> r = profiler::report();
  const profiler::Entry* conv = find(r, "conv2d");
  REQUIRE(conv != nullptr);
  CHECK(conv->calls == 2);
  REQUIRE(find(r, "outer") != nullptr);
  CHECK(find(r, "outer")->calls == 1);
  CHECK(find(r, "inner") == nullptr);
  for (size_t i = 1; i < r.size(); ++i) CHECK(r[i - 1].seconds >= r[i].seconds);  // slowest first
  profiler::reset();
  CHECK(profiler::report().empty());
}
