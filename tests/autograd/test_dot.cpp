// autograd::to_dot: the Graphviz text of a graph has one box per node and one arrow per edge.
#include <regex>

#include "autograd/autograd.h"
#include "helpers.h"

using namespace rill;

namespace {

int count(const std::string& text, const std::string& pattern) {
  const std::regex re(pattern);
  return static_cast<int>(std::distance(std::sregex_iterator(text.begin(), text.end(), re), std::sregex_iterator()));
}

}  // namespace

TEST_CASE("to_dot: nodes, named leaves, inputs without gradient and shapes on the arrows", "[autograd][dot]") {
  const Tensor w = requires_grad_(ones({3}));
  const Tensor x = full({3}, 2.0);  // needs no gradient
  const Tensor y = sum(x * w);
  const std::string dot = autograd::to_dot(y, {{"w", w}});
  INFO(dot);
  CHECK(dot.rfind("digraph autograd {", 0) == 0);
  CHECK(count(dot, R"(n0 \[label="SumBackward"\])") == 1);
  CHECK(count(dot, R"(n1 \[label="MulBackward"\])") == 1);
  CHECK(count(dot, R"(n2 \[label="w", style=filled)") == 1);
  CHECK(count(dot, R"(c0 \[label="no grad")") == 1);
  // Arrows: x and w into Mul (each [3]), Mul into Sum ([3]), Sum to the result ([]).
  CHECK(count(dot, "->") == 4);
  CHECK(count(dot, R"(c0 -> n1 \[label="\[3\]"\])") == 1);
  CHECK(count(dot, R"(n2 -> n1 \[label="\[3\]"\])") == 1);
  CHECK(count(dot, R"(n1 -> n0 \[label="\[3\]"\])") == 1);
  CHECK(count(dot, R"(n0 -> result \[label="\[\]"\])") == 1);
}

TEST_CASE("to_dot: a tensor used twice is one node with two arrows, and an unnamed leaf says AccumulateGrad",
          "[autograd][dot]") {
  const Tensor x = requires_grad_(full({2, 2}, 3.0));
  const std::string dot = autograd::to_dot(x * x);
  INFO(dot);
  CHECK(count(dot, R"(\[label="AccumulateGrad"\])") == 1);
  CHECK(count(dot, R"(n1 -> n0 \[label="\[2, 2\]"\])") == 2);
}

TEST_CASE("to_dot: a leaf or a tensor made without recording is refused by name", "[autograd][dot]") {
  const Tensor x = requires_grad_(ones({2}));
  CHECK_THROWS_WITH(autograd::to_dot(x), Catch::Contains("to_dot") && Catch::Contains("[2]"));
}
