// rill autograd — grad mode: whether ops record the graph.
//
// On by default. `no_grad guard;` turns recording off until the guard leaves scope
// (evaluation, sampling, optimizer updates). The mode is per thread, the one piece
// of global state in autograd.
#pragma once

namespace rill {

bool is_grad_enabled();

class no_grad {
 public:
  no_grad();
  ~no_grad();
  no_grad(const no_grad&) = delete;
  no_grad& operator=(const no_grad&) = delete;

 private:
  bool previous_;
};

// The opposite: records the graph inside an outer no_grad (e.g. a divergence computed
// by VJPs while an ODE solver runs without gradients).
class enable_grad {
 public:
  enable_grad();
  ~enable_grad();
  enable_grad(const enable_grad&) = delete;
  enable_grad& operator=(const enable_grad&) = delete;

 private:
  bool previous_;
};

}  // namespace rill
