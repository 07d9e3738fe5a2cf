// Stop 4: how a module names its parameters.
#include "examples/tour/tour.h"
#include "nn/mlp.h"
#include "tensor/shape.h"

namespace rill::tour {

void stop4_module() {
  // tour:begin
  nn::MLP small(2, 16);  // Linear(3, 16) SiLU Linear(16, 16) SiLU Linear(16, 16) SiLU Linear(16, 2)
  for (const auto& [name, p] : small.named_parameters()) fmt::print("{:<14} {}\n", name, shape_str(p.shape()));
  fmt::print("MLP(2, 16): {} parameters; MLP() at the defaults: {}\n", small.num_parameters(),
             nn::MLP().num_parameters());
  // tour:end
}

}  // namespace rill::tour
