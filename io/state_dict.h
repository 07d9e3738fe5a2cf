// rill io — a state dict: an ordered list of (dotted name, tensor). What a module's
// state_dict() returns (nn/module.h), what a checkpoint holds and what a safetensors file
// stores (io/safetensors.h), in that order.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace rill::io {

using NamedTensor = std::pair<std::string, Tensor>;
using StateDict = std::vector<NamedTensor>;

}  // namespace rill::io
