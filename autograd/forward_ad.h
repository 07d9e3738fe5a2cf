// rill autograd — forward mode: Jacobian-vector products (JVPs) by dual numbers.
//
// Reverse mode (engine.h) pushes one covector g = dL/dy back through the graph and
// returns J^T g for every input at once. Forward mode pushes one vector v = dx/ds
// (a "tangent": the direction in which the inputs move) forward, alongside the values,
// and returns J v for every output at once. One JVP costs about one extra forward pass,
// needs no graph and no saved tensors, and is what a directional derivative
//     d/ds f(x + s v) |_{s=0} = J_f(x) v
// asks for: MeanFlow's du/dt along (dz/dt, dr/dt, dt/dt) = (v, 0, 1), or a divergence
// sum_i e_i^T J e_i.
//
// How it works: a tensor may carry a tangent (the same shape, dtype and device) in its
// autograd slot. Every differentiable op, after computing its value, checks whether any
// input has a tangent and, if so, gives its output the tangent
//     dy = sum_i (dy/dx_i) dx_i
// by its tangent rule, written in the op's block right next to its backward, which
// implements the transpose of the same derivative:  dx_i = (dy/dx_i)^T g.
// (The two must agree: <g, J v> = <J^T g, v>; tests/autograd/test_forward_ad.cpp checks
// that identity, and each rule against central differences, for every op.)
//
//     Tensor x = make_dual(x0, v);   // x0 with tangent v
//     Tensor y = exp(sin(x));        // sin: dy = cos(x) dx;  exp: dy = e^x dx
//     tangent_of(y)                  // = e^(sin x0) cos(x0) v
//
// Tangents are computed with raw ops (rill::ops), so they never record a reverse graph:
// to reverse mode they are constants (a stop-gradient), which is what MeanFlow's target
// needs. The values still record their graph as usual (grad mode and requires_grad
// decide), so one pass gives a differentiable output and its (constant) JVP. A tensor
// without a tangent means the zero tangent; no tangents anywhere cost one pointer test
// per op. Nested forward mode (a tangent of a tangent) is not supported.
#pragma once

#include <functional>
#include <vector>

#include "tensor/tensor.h"

namespace rill {

// x's tangent, or an undefined tensor (the zero tangent).
Tensor tangent_of(const Tensor& x);
bool has_tangent(const Tensor& x);
// True when any of the inputs carries a tangent: an op's cue to run its tangent rule.
bool any_tangent(const std::vector<Tensor>& inputs);
// x's tangent, or zeros of x's shape when it has none (for rules that need both terms).
Tensor tangent_or_zeros(const Tensor& x);

// A new handle to x's data carrying tangent t (same shape, dtype and device as x). For
// reverse mode it is the identity: gradients flow through it to x when x requires grad.
Tensor make_dual(const Tensor& x, const Tensor& t);

// Gives an op's result `y` its tangent (called by the ops after record(); checks that
// the rule produced y's shape, dtype and device, naming `op`).
void set_tangent(const Tensor& y, const Tensor& t, const char* op);
// Removes a tangent (the outputs of jvp() are returned without theirs).
void clear_tangent(const Tensor& y);

namespace autograd {

struct JvpResult {
  std::vector<Tensor> outputs;   // f(primals), carrying their reverse graph if one was recorded
  std::vector<Tensor> tangents;  // J_f(primals) tangents, one per output (zeros where independent)
};

using JvpFunction = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;

// Evaluates f once at `primals`, pushing `tangents` (one per primal; an undefined one is
// zero) forward: returns f(primals) and the directional derivative J_f(primals) tangents.
// Like torch.func.jvp, but the output tangents are constants for reverse mode.
JvpResult jvp(const JvpFunction& f, const std::vector<Tensor>& primals, const std::vector<Tensor>& tangents);

// One input, one output.
JvpResult jvp(const std::function<Tensor(const Tensor&)>& f, const Tensor& primal, const Tensor& tangent);

}  // namespace autograd
}  // namespace rill
