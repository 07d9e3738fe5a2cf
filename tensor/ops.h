// rill — the tensor layer in one include: the Tensor, creation, views and every
// raw op (no gradients; autograd/ builds the differentiable versions on these).
#pragma once

#include "tensor/blas_info.h"
#include "tensor/elementwise.h"
#include "tensor/factory.h"
#include "tensor/format.h"
#include "tensor/image.h"
#include "tensor/index.h"
#include "tensor/linalg.h"
#include "tensor/norm.h"
#include "tensor/optim.h"
#include "tensor/random.h"
#include "tensor/reduce.h"
#include "tensor/tensor.h"
#include "tensor/threads.h"
#include "tensor/view.h"
