// rill nn — training checkpoints: everything needed to resume a run exactly.
//
// One safetensors file holds
//   model.<name>      the model's state dict
//   ema.<name>        the EMA's averaged weights (when an EMA is used)
//   optimizer.<name>  the optimizer's state (moment buffers, step count)
// and, in the metadata, the training step and the generator's (seed, offset), so a
// resumed run draws exactly the random numbers the uninterrupted run would have.
// A model-only file (safetensors::save(path, model.state_dict())) is what other
// tools read; a training checkpoint is for resuming.
#pragma once

#include <string>

#include "nn/ema.h"
#include "nn/optim.h"
#include "nn/safetensors.h"
#include "tensor/random.h"

namespace rill::nn {

struct TrainingState {
  Module* model = nullptr;
  Optimizer* optimizer = nullptr;
  EMA* ema = nullptr;              // optional
  Generator* generator = nullptr;  // optional
  int64_t step = 0;
};

// Atomic (see safetensors.h): a crash while saving never destroys the previous file.
void save_checkpoint(const std::string& path, const TrainingState& state, const safetensors::Metadata& extra = {});
// Restores every part given in `state` (all or nothing per part) and returns the step
// stored in the file (also written to state.step).
int64_t load_checkpoint(const std::string& path, TrainingState& state);

}  // namespace rill::nn
