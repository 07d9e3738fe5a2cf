// libFuzzer harness: the IDX reader (MNIST format), raw and gzip-compressed, on arbitrary
// bytes. An input loads or is refused with a rill::Error; anything else is a finding.
#include "data/cifar10.h"
#include "data/idx.h"
#include "data/loader.h"
#include "fuzz/harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return rill::fuzz::expect_errors_only(
      [&] { rill::data::parse_idx(rill::fuzz::as_string(data, size), "fuzz-idx3-ubyte"); });
}
