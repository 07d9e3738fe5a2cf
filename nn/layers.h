// rill nn — every layer in one include.
#pragma once

#include "nn/activation.h"
#include "nn/attention.h"
#include "nn/classifier.h"
#include "nn/conv.h"
#include "nn/dropout.h"
#include "nn/embedding.h"
#include "nn/init.h"
#include "nn/linear.h"
#include "nn/mlp.h"
#include "nn/module.h"
#include "nn/norm.h"
#include "nn/resample.h"
#include "nn/sequential.h"
#include "nn/unet.h"
