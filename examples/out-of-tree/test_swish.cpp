// Tests of the learnable Swish (swish.h), run by ctest: the backward against central
// differences in float64 (rill's gradcheck), the forward against values computed by hand,
// and a negative control showing the gradient check catches a missing gradient.
// A plain program (no test framework to install): each check prints its verdict; the exit
// status is the number of failed checks.
#include <rill/version.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "autograd/autograd.h"
#include "swish.h"
#include "tensor/ops.h"

using namespace rill;

namespace {

int failures = 0;

void check(bool ok, const std::string& what, const std::string& detail = "") {
  std::printf("%s: %s%s%s\n", ok ? "ok  " : "FAIL", what.c_str(), detail.empty() ? "" : "\n      ", detail.c_str());
  if (!ok) ++failures;
}

// Values spread over both signs and several scales, so that every regime of the sigmoid
// (saturated both ways, linear near 0) is in the Jacobian.
Tensor values(const Shape& shape, double scale, double phase) {
  std::vector<double> v(static_cast<size_t>(numel(shape)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = scale * std::sin(1.3 * static_cast<double>(i) + phase);
  return tensor(v, shape);  // float64
}

}  // namespace

int main() {
  std::printf("learnable Swish against rill %s\n", RILL_VERSION_STRING);

  // The whole Jacobian, both inputs: one slope per feature, x [4, 3], beta [3].
  {
    const Tensor x = requires_grad_(values({4, 3}, 2.5, 0.2)), beta = requires_grad_(values({3}, 1.5, 1.1));
    const GradcheckResult r =
        gradcheck([](const std::vector<Tensor>& in) { return swish::learnable_swish(in[0], in[1]); }, {x, beta});
    check(r.ok && r.checked == 4 * 3 * (12 + 3),
          "gradcheck, x [4, 3] and beta [3] (" + std::to_string(r.checked) + " entries)", r.report);
  }
  // One slope for everything (beta [1]) and a 3-D input: the backward's sum over
  // broadcast dimensions.
  {
    const Tensor x = requires_grad_(values({2, 3, 2}, 3.0, 0.7)), beta = requires_grad_(values({1}, 0.8, 1.0));
    const GradcheckResult r =
        gradcheck([](const std::vector<Tensor>& in) { return swish::learnable_swish(in[0], in[1]); }, {x, beta});
    check(r.ok, "gradcheck, x [2, 3, 2] and one beta [1]", r.report);
  }
  // Composed inside a small network (the layer, its registered parameter, a loss), so
  // that the op's gradients flow through rill's engine among other ops.
  {
    const Tensor x = values({5, 3}, 1.0, 0.3), w = requires_grad_(values({3, 3}, 0.7, 2.0));
    const Tensor beta = requires_grad_(values({3}, 1.2, 0.4));
    const GradcheckResult r = gradcheck(
        [&x](const std::vector<Tensor>& in) { return sum(mul(swish::learnable_swish(matmul(x, in[0]), in[1]), 0.5)); },
        {w, beta});
    check(r.ok, "gradcheck, sum(swish(x W, beta)) with respect to W and beta", r.report);
  }
  // Negative control: with beta cut out of the graph (detach), backward gives it no
  // gradient while its true derivative is not zero; the check must fail.
  {
    const Tensor x = requires_grad_(values({4, 3}, 2.5, 0.2)), beta = requires_grad_(values({3}, 1.5, 1.1));
    const GradcheckResult r = gradcheck(
        [](const std::vector<Tensor>& in) { return swish::learnable_swish(in[0], detach(in[1])); }, {x, beta});
    check(!r.ok, "gradcheck fails when beta's gradient is missing (negative control)", r.ok ? "it passed" : "");
  }

  // Forward: 2 sigmoid(0.5 * 2) = 2 / (1 + e^-1), and beta = 1 is SiLU.
  {
    const Tensor y =
        swish::learnable_swish(tensor(std::vector<double>{2.0, -3.0}, {2}), tensor(std::vector<double>{0.5}, {1}));
    const std::vector<double> got = y.to_vector<double>();
    const double want0 = 2.0 / (1.0 + std::exp(-1.0)), want1 = -3.0 / (1.0 + std::exp(1.5));
    check(std::abs(got[0] - want0) < 1e-14 && std::abs(got[1] - want1) < 1e-14, "forward against hand-computed values");
    const Tensor x = values({3, 4}, 4.0, 0.0);
    const Tensor diff = ops::abs(ops::sub(swish::learnable_swish(x, ones({4}, DType::Float64)), ops::silu(x)));
    check(ops::max(diff).item<double>() < 1e-14, "beta = 1 gives rill's SiLU");
  }

  // The layer: its parameter is registered (so optimizers and checkpoints see it) and
  // receives a gradient from backward.
  {
    swish::LearnableSwish layer(3);
    const std::vector<nn::NamedTensor> params = layer.named_parameters();
    check(params.size() == 1 && params[0].first == "beta" && params[0].second.shape() == Shape{3},
          "LearnableSwish registers one parameter, beta [3]");
    autograd::backward(sum(layer(ops::to(values({2, 3}, 1.0, 0.5), DType::Float32))));
    check(grad_of(layer.beta).defined() && ops::max(ops::abs(grad_of(layer.beta))).item<double>() > 0,
          "backward reaches beta");
  }

  std::printf("%d check(s) failed\n", failures);
  return failures;
}
