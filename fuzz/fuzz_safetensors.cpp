// libFuzzer harness: the safetensors reader and load_checkpoint, on arbitrary bytes.
//
// Every input must end in one of two ways: it loads, or it is refused with a rill::Error.
// Anything else (a crash, a sanitizer report, a leak, another exception type, a huge
// allocation) is a finding. The checkpoint is loaded into a small fixed training state
// (a linear layer, Adam, an EMA, a generator), the one the seed corpus was saved from
// (make_corpus.cpp).
#include "fuzz/harness.h"
#include "nn/checkpoint.h"
#include "nn/linear.h"

using namespace rill;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static nn::Linear model(3, 2);
  static nn::Adam opt(model.named_parameters(), {0.01});
  static nn::EMA ema(model, 0.9);
  static Generator gen(1);
  return fuzz::expect_errors_only([&] {
    const auto reader = io::safetensors::Reader::parse(fuzz::as_string(data, size), "fuzz.safetensors");
    for (const io::safetensors::Entry& e : reader.entries()) reader.read(e);
    nn::TrainingState state{&model, &opt, &ema, &gen, 0};
    nn::load_checkpoint(reader, state);
    // And with the parts a sampling run leaves out.
    nn::TrainingState model_only{&model};
    nn::load_checkpoint(reader, model_only);
  });
}
