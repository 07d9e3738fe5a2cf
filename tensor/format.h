// rill — printing tensors the way PyTorch does.
//
//   tensor([[ 1.0000, -2.5000],
//           [ 0.0000,  3.0000]])
//   tensor([1, 2, 3], dtype=int64)
//
// Tensors over 1000 elements are summarised with "..." (first and last 3 per axis).
// Non-float32 dtypes and non-CPU devices are named after the values.
#pragma once

#include <ostream>
#include <string>

#include "tensor/tensor.h"

namespace rill {

std::string to_string(const Tensor& x);
std::ostream& operator<<(std::ostream& os, const Tensor& x);

}  // namespace rill

template <>
struct fmt::formatter<rill::Tensor> : fmt::formatter<std::string> {
  auto format(const rill::Tensor& x, format_context& ctx) const {
    return fmt::formatter<std::string>::format(rill::to_string(x), ctx);
  }
};
