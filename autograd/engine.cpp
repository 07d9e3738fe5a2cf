#include "autograd/engine.h"

#include <unordered_map>
#include <unordered_set>

#include "autograd/grad_mode.h"
#include "tensor/elementwise.h"
#include "tensor/factory.h"
#include "tensor/profiler.h"

namespace rill::autograd {
namespace {

// Step 2: nodes reachable from `roots`, ordered so that each node comes after every
// node that consumes its output (reverse post-order of a depth-first search; an
// explicit stack, so long graphs cannot overflow the call stack; ~Node frees them
// without recursion too).
std::vector<Node*> topological_order(const std::vector<Node*>& roots) {
  std::vector<Node*> post_order;
  std::unordered_set<Node*> visited;
  std::vector<std::pair<Node*, size_t>> stack;  // (node, index of the next edge to explore)
  for (Node* root : roots) {
    if (!visited.insert(root).second) continue;
    stack.push_back({root, 0});
    while (!stack.empty()) {
      auto& [node, edge] = stack.back();
      if (edge < node->next.size()) {
        Node* child = node->next[edge++].node.get();
        if (child && visited.insert(child).second) stack.push_back({child, 0});
      } else {
        post_order.push_back(node);
        stack.pop_back();
      }
    }
  }
  return {post_order.rbegin(), post_order.rend()};
}

// What a backward returns is dL/d(input_i) for each input i: exactly one per input (an
// undefined one means zero), each with its input's shape, dtype and device, as the
// edges recorded them in the forward pass. A wrong one would otherwise be summed into
// another node's buffer or a leaf's .grad and fail far away, or not at all.
void check_grads(const Node& node, const std::vector<Tensor>& grads) {
  RILL_CHECK(grads.size() == node.next.size(),
             "backward: {} returned {} gradients for its {} inputs (one per input, undefined for none)", node.name(),
             grads.size(), node.next.size());
  for (size_t i = 0; i < grads.size(); ++i) {
    const Tensor& g = grads[i];
    const Edge& edge = node.next[i];
    if (!g.defined()) continue;
    RILL_CHECK(g.shape() == edge.shape, "backward: {} returned a gradient of shape {} for input {} of shape {}",
               node.name(), shape_str(g.shape()), i, shape_str(edge.shape));
    RILL_CHECK(g.dtype() == edge.dtype && g.device() == edge.device,
               "backward: {} returned a gradient of dtype {} on {} for input {}, which is {} on {}", node.name(),
               g.dtype(), g.device(), i, edge.dtype, edge.device);
  }
}

// Steps 1, 3 and 4 for both backward() and grad(). `capture` maps the nodes whose
// incoming gradient is wanted (grad()) to their slot in `captured`; when it is set,
// .grad is left alone and only nodes leading to a captured node run.
void run(const std::vector<Tensor>& roots, const std::vector<Tensor>& root_grads, bool retain_graph,
         const std::unordered_map<Node*, size_t>* capture, std::vector<Tensor>* captured) {
  no_grad guard;  // backward functions compute with raw ops and record nothing

  std::unordered_map<Node*, Tensor> buffers;  // summed gradient flowing into each node
  std::vector<Node*> starts;
  std::vector<std::shared_ptr<Node>> keep_alive;  // a root's AccumulateGrad lives only here
  for (size_t i = 0; i < roots.size(); ++i) {
    std::shared_ptr<Node> node = gradient_edge(roots[i]);
    RILL_CHECK(node != nullptr,
               "backward: output {} (shape {}) does not require grad: no input on its path has requires_grad set", i,
               shape_str(roots[i].shape()));
    RILL_CHECK(root_grads[i].shape() == roots[i].shape(), "backward: grad of shape {} given for output of shape {}",
               shape_str(root_grads[i].shape()), shape_str(roots[i].shape()));
    RILL_CHECK(root_grads[i].dtype() == roots[i].dtype() && root_grads[i].device() == roots[i].device(),
               "backward: grad is {} on {} but the output is {} on {}", root_grads[i].dtype(), root_grads[i].device(),
               roots[i].dtype(), roots[i].device());
    Tensor& buffer = buffers[node.get()];
    buffer = buffer.defined() ? ops::add(buffer, root_grads[i]) : root_grads[i];
    starts.push_back(node.get());
    keep_alive.push_back(std::move(node));
  }
  const std::vector<Node*> order = topological_order(starts);

  // For grad(): which nodes lead to a captured node (children come later in `order`).
  std::unordered_set<Node*> needed;
  if (capture)
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      Node* node = *it;
      bool leads = capture->count(node) > 0;
      for (const Edge& e : node->next) leads = leads || (e.node && needed.count(e.node.get()));
      if (leads) needed.insert(node);
    }

  for (Node* node : order) {
    auto found = buffers.find(node);
    if (found == buffers.end()) continue;  // no gradient reached this node
    const Tensor grad_output = std::move(found->second);
    buffers.erase(found);
    if (capture) {
      if (auto c = capture->find(node); c != capture->end()) (*captured)[c->second] = grad_output;
      // Leaves are not accumulated in grad(); interior nodes run only if they lead on
      // to another captured node.
      bool leads_further = false;
      for (const Edge& e : node->next) leads_further = leads_further || (e.node && needed.count(e.node.get()));
      if (!leads_further) continue;
    }
    RILL_CHECK(!node->released,
               "backward: {} was already run and its saved tensors freed; call backward with retain_graph=true to "
               "go through a graph twice",
               node->name());
    std::vector<Tensor> input_grads;
    {
      const profiler::Scope scope(profiler::enabled() ? node->name() : std::string());
      input_grads = node->backward(grad_output);
    }
    check_grads(*node, input_grads);
    if (!retain_graph) {
      node->release_saved();
      node->released = !node->next.empty();  // AccumulateGrad (no inputs) can always run again
    }
    for (size_t i = 0; i < input_grads.size(); ++i) {
      const Edge& edge = node->next[i];
      const Tensor& g = input_grads[i];
      if (!edge.node || !g.defined()) continue;
      Tensor& buffer = buffers[edge.node.get()];
      buffer = buffer.defined() ? ops::add(buffer, g) : g;
    }
  }
}

Tensor default_root_grad(const Tensor& root, const Tensor& grad) {
  if (grad.defined()) return grad;
  RILL_CHECK(root.numel() == 1,
             "backward: a gradient can be implied only for a one-element output; pass grad for "
             "an output of shape {}",
             shape_str(root.shape()));
  return ones(root.shape(), root.options());
}

}  // namespace

void backward(const Tensor& root, const Tensor& grad, bool retain_graph) {
  run({root}, {default_root_grad(root, grad)}, retain_graph, nullptr, nullptr);
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, bool retain_graph) {
  RILL_CHECK(grad_outputs.empty() || grad_outputs.size() == outputs.size(),
             "grad: {} grad_outputs given for {} outputs", grad_outputs.size(), outputs.size());
  std::vector<Tensor> root_grads;
  for (size_t i = 0; i < outputs.size(); ++i)
    root_grads.push_back(default_root_grad(outputs[i], grad_outputs.empty() ? Tensor() : grad_outputs[i]));

  std::unordered_map<Node*, size_t> capture;
  std::vector<std::shared_ptr<Node>> input_nodes;
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::shared_ptr<Node> node = gradient_edge(inputs[i]);
    RILL_CHECK(node != nullptr, "grad: input {} (shape {}) does not require grad", i, shape_str(inputs[i].shape()));
    RILL_CHECK(capture.emplace(node.get(), i).second, "grad: input {} is listed twice", i);
    input_nodes.push_back(std::move(node));
  }
  std::vector<Tensor> captured(inputs.size());
  run(outputs, root_grads, retain_graph, &capture, &captured);
  for (size_t i = 0; i < inputs.size(); ++i)
    if (!captured[i].defined()) captured[i] = zeros_like(inputs[i]);
  return captured;
}

}  // namespace rill::autograd
