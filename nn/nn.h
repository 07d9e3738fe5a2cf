// rill nn — the training layer in one include: modules and layers, the reference
// models, optimizers, schedules, EMA and checkpoints.
#pragma once

#include "io/safetensors.h"
#include "nn/checkpoint.h"
#include "nn/ema.h"
#include "nn/layers.h"
#include "nn/optim.h"
#include "nn/schedule.h"
