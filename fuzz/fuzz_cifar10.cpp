// libFuzzer harness: the CIFAR-10 batch reader on arbitrary bytes. A real batch holds
// 10000 records (30.7 MB), far beyond what a fuzzer mutates, so the harness asks for the
// number of whole records the input could hold (and for one, to reach the size check),
// appending to one dataset as load_cifar10_folder does. An input loads or is refused
// with a rill::Error; anything else is a finding.
#include "data/cifar10.h"
#include "data/idx.h"
#include "data/loader.h"
#include "fuzz/harness.h"

using namespace rill::data;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes = rill::fuzz::as_string(data, size);
  ImageDataset ds;
  rill::fuzz::expect_errors_only([&] { parse_cifar10_batch(bytes, "fuzz_batch.bin", ds, size / kCifar10Record); });
  rill::fuzz::expect_errors_only([&] { parse_cifar10_batch(bytes, "fuzz_batch.bin", ds, 1); });
  // Whatever was added is consistent.
  if (ds.pixels.size() != static_cast<size_t>(ds.count) * 3072 || ds.labels.size() != static_cast<size_t>(ds.count))
    __builtin_trap();
  return 0;
}
