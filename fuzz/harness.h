// Shared by the libFuzzer harnesses in this folder (see README.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "tensor/error.h"
#include "tensor/parallel.h"

// One thread: the harnesses are run one process per core, and OpenMP's spinning
// workers would only slow each execution down.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  rill::set_num_threads(1);
  return 0;
}

namespace rill::fuzz {

inline std::string as_string(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// Runs `body`: a rill::Error is the right answer to bad bytes and is swallowed. Any
// other exception escapes, and libFuzzer reports it as a crash (a finding).
template <typename F>
int expect_errors_only(F&& body) {
  try {
    body();
  } catch (const rill::Error&) {
  }
  return 0;
}

}  // namespace rill::fuzz
