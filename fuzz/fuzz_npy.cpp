// libFuzzer harness: the .npy reader (header parser, versions, byte order, Fortran
// order) on arbitrary bytes. An input loads or is refused with a rill::Error; anything
// else is a finding.
#include "fuzz/harness.h"
#include "io/npy.h"
#include "io/png.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return rill::fuzz::expect_errors_only([&] { rill::io::parse_npy(rill::fuzz::as_string(data, size), "fuzz.npy"); });
}
