// rill nn — training checkpoints: everything needed to resume a run exactly.
//
// One safetensors file holds
//   model.<name>      the model's state dict
//   ema.<name>        the EMA's averaged weights (when an EMA is used)
//   optimizer.<name>  the optimizer's state (moment buffers, step counts)
// and, in the metadata, format = "rill-training-checkpoint-1", the training step and the
// generator's (seed, offset), so a resumed run draws exactly the random numbers the
// uninterrupted run would have. A model-only file (io::safetensors::save(path,
// model.state_dict())) is what other tools read; a training checkpoint is for resuming.
#pragma once

#include <string>

#include "io/safetensors.h"
#include "nn/ema.h"
#include "nn/optim.h"
#include "tensor/random.h"

namespace rill::nn {

struct TrainingState {
  Module* model = nullptr;
  Optimizer* optimizer = nullptr;  // optional (sampling needs none)
  EMA* ema = nullptr;              // optional
  Generator* generator = nullptr;  // optional
  int64_t step = 0;
};

// Atomic (see safetensors.h): a crash while saving never destroys the previous file.
// Refuses (naming the tensor) to save a state in which any tensor of the model, the EMA
// or the optimizer holds a NaN or an infinity; the file on disk is then left as it was.
void save_checkpoint(const std::string& path, const TrainingState& state, const io::safetensors::Metadata& extra = {});

// Restores every part given in `state` and returns the step stored in the file (also
// written to state.step). All or nothing: the whole file is validated before anything
// in `state` changes —
//   every tensor belongs to model., ema. or optimizer.;
//   the model's, EMA's and optimizer's tensors match them in names, shapes and dtypes,
//   and the optimizer's state is complete (see Optimizer::check_state_dict);
//   every floating tensor that is read is finite;
//   the metadata has the format, a step in [0, 2^63) and, when a generator is given,
//   its seed and offset.
// The parts whose pointer is null (optimizer, ema) are not read from the file at all.
int64_t load_checkpoint(const std::string& path, TrainingState& state);
// The same from a file opened (or bytes parsed) with io::safetensors::Reader.
int64_t load_checkpoint(const io::safetensors::Reader& file, TrainingState& state);

}  // namespace rill::nn
