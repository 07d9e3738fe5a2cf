// rill — errors a user can act on.
//
// Every public op validates its inputs and throws rill::Error with a message that
// names the op and the offending shapes, dtypes or devices, e.g.
//   "matmul: shapes [3, 4] and [5, 6] cannot be multiplied (4 != 5)".
// RILL_CHECK(cond, "fmt", args...) is the one way code in this repository does it.
#pragma once

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <stdexcept>
#include <string>

namespace rill {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace rill

// Throws rill::Error(fmt::format(...)) when `cond` is false. The message is only
// formatted on failure, so checks cost one branch in the common case.
#define RILL_CHECK(cond, ...)                                     \
  do {                                                            \
    if (!(cond)) throw ::rill::Error(::fmt::format(__VA_ARGS__)); \
  } while (0)
