// rill autograd — drawing a graph: the nodes backward() would visit, as Graphviz text.
//
//   std::ofstream("mlp.dot") << autograd::to_dot(loss, model.named_parameters());
//   dot -Tsvg mlp.dot -o mlp.svg              (Debian package graphviz)
//
// The picture runs in the forward direction, from the leaves to the result: each box is
// a Node (named by its backward, e.g. "AddmmBackward"), each arrow an Edge labelled with
// the shape of the tensor that flowed along it. Leaves that require gradients appear as
// their AccumulateGrad nodes, named by `names` where given (a module's
// named_parameters()); inputs that need no gradient (data, times) are grey ellipses, since
// the graph keeps only their shape; the result is the ellipse at the bottom.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace rill::autograd {

// The graph behind `root` (which must be the result of a recorded op) in Graphviz's dot
// language. Node numbering follows a breadth-first walk from the root in edge order,
// so the text is the same for the same graph.
std::string to_dot(const Tensor& root, const std::vector<std::pair<std::string, Tensor>>& names = {});

}  // namespace rill::autograd
