// The autograd engine times each backward node in the op profiler (tensor/profiler.h,
// tested on its own in tests/tensor/test_profiler.cpp).
#include "helpers.h"
#include "tensor/profiler.h"

using namespace rill;
using rill::test::leaf;

namespace {
const profiler::Entry* find(const std::vector<profiler::Entry>& entries, const std::string& name) {
  for (const auto& e : entries)
    if (e.name == name) return &e;
  return nullptr;
}
}  // namespace

TEST_CASE("backward nodes are profiled by name, and the raw ops inside them are not", "[autograd][profiler]") {
  const Tensor x = leaf({2, 3, 5, 5}), w = leaf({4, 3, 3, 3}), b = leaf({4});
  profiler::reset();
  autograd::backward(sum(conv2d(x, w, b, {1, 1, 1})));  // off: nothing recorded
  CHECK(profiler::report().empty());

  profiler::enable(true);
  autograd::backward(sum(conv2d(x, w, b, {1, 1, 1})));
  autograd::backward(sum(conv2d(x, w, b, {1, 1, 1})));
  profiler::enable(false);
  const std::vector<profiler::Entry> r = profiler::report();
  const profiler::Entry* fwd = find(r, "conv2d");
  const profiler::Entry* bwd = find(r, "Conv2dBackward");
  REQUIRE(fwd != nullptr);
  REQUIRE(bwd != nullptr);
  CHECK(fwd->calls == 2);
  CHECK(bwd->calls == 2);
  CHECK(bwd->seconds > 0);
  // The raw ops inside the backward node are part of its time, not entries of their own.
  CHECK(find(r, "conv2d_backward") == nullptr);
  for (size_t i = 1; i < r.size(); ++i) CHECK(r[i - 1].seconds >= r[i].seconds);  // slowest first
  profiler::reset();
  CHECK(profiler::report().empty());
}
