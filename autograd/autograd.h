// rill autograd — everything in one include: the graph (node.h), the engine
// (engine.h), forward mode (forward_ad.h), saved tensors (saved.h), grad mode, every
// differentiable op, and gradcheck/jvpcheck.
//
// Differentiable ops live in namespace rill (rill::matmul, rill::exp, operators on
// Tensor); the raw kernels they are built on live in rill::ops.
#pragma once

#include "autograd/binary.h"
#include "autograd/conv.h"
#include "autograd/dot.h"
#include "autograd/engine.h"
#include "autograd/forward_ad.h"
#include "autograd/grad_mode.h"
#include "autograd/gradcheck.h"
#include "autograd/image.h"
#include "autograd/index.h"
#include "autograd/linalg.h"
#include "autograd/loss.h"
#include "autograd/node.h"
#include "autograd/norm.h"
#include "autograd/reduce.h"
#include "autograd/saved.h"
#include "autograd/unary.h"
#include "autograd/view.h"
