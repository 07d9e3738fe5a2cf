#include "autograd/node.h"

#include <atomic>

#include "autograd/grad_mode.h"
#include "tensor/elementwise.h"
#include "tensor/view.h"

namespace rill {
namespace {
std::atomic<int64_t> live_nodes{0};
}

Node::Node() { ++live_nodes; }
Node::~Node() {
  --live_nodes;
  // Destroying a node releases its inputs' nodes, which would release theirs, and so on:
  // recursion as deep as the graph. Instead, take over every input node this one holds
  // the last reference to, and release them one by one from a flat list.
  std::vector<std::shared_ptr<Node>> pending;
  for (Edge& e : next)
    if (e.node) pending.push_back(std::move(e.node));
  while (!pending.empty()) {
    std::shared_ptr<Node> node = std::move(pending.back());
    pending.pop_back();
    if (node.use_count() == 1)
      for (Edge& e : node->next)
        if (e.node) pending.push_back(std::move(e.node));
  }  // `node` dies here with no edges left, so its destructor does not recurse
}
int64_t Node::live_count() { return live_nodes.load(); }

std::vector<Tensor> AccumulateGrad::backward(const Tensor& grad_output) {
  // .grad += grad_output. The first gradient becomes .grad itself when nothing else can
  // see it (a fresh result, e.g. of the weight's matmul; the engine has handed over its
  // handle) and is contiguous; otherwise it is copied, so that .grad never aliases a
  // tensor some other part of the graph (or the user) still holds.
  if (leaf_->grad.defined())
    leaf_->grad = ops::add(leaf_->grad, grad_output);
  else if (grad_output.is_sole_owner() && grad_output.is_contiguous())
    leaf_->grad = grad_output;
  else
    leaf_->grad = ops::clone(grad_output);
  return {};
}

bool requires_grad(const Tensor& x) { return x.defined() && x.autograd_meta() && x.autograd_meta()->requires_grad; }

Tensor requires_grad_(const Tensor& x, bool on) {
  RILL_CHECK(is_floating(x.dtype()) || !on, "requires_grad_: only floating tensors can require gradients, got {}",
             x.dtype());
  auto& meta = x.autograd_meta();
  RILL_CHECK(!(meta && meta->grad_fn), "requires_grad_: {} is the result of an op ({}); only leaves can be marked",
             shape_str(x.shape()), meta ? meta->grad_fn->name() : "");
  if (!meta) meta = std::make_shared<AutogradMeta>();
  meta->requires_grad = on;
  return x;
}

Tensor grad_of(const Tensor& x) {
  const auto& meta = x.autograd_meta();
  return meta ? meta->grad : Tensor();
}

void zero_grad(const Tensor& x) {
  if (const auto& meta = x.autograd_meta()) meta->grad = Tensor();
}

Tensor detach(const Tensor& x) {
  if (!x.defined()) return x;
  return Tensor::make_view(x, x.shape(), x.strides(), x.offset());  // same storage, no autograd slot
}

std::shared_ptr<Node> grad_fn(const Tensor& x) {
  const auto& meta = x.defined() ? x.autograd_meta() : nullptr;
  return meta ? meta->grad_fn : nullptr;
}

std::shared_ptr<Node> gradient_edge(const Tensor& x) {
  if (!requires_grad(x)) return nullptr;
  const auto& meta = x.autograd_meta();
  if (meta->grad_fn) return meta->grad_fn;
  // A leaf: every op that uses it must reach the same AccumulateGrad node, so that
  // the engine sums all its gradients first and grad() can find it.
  std::shared_ptr<Node> acc = meta->grad_accumulator.lock();
  if (!acc) {
    acc = std::make_shared<AccumulateGrad>(meta);
    meta->grad_accumulator = acc;
  }
  return acc;
}

bool any_requires_grad(const std::vector<Tensor>& inputs) {
  if (!is_grad_enabled()) return false;
  for (const Tensor& t : inputs)
    if (requires_grad(t)) return true;
  return false;
}

void connect(const std::shared_ptr<Node>& node, const Tensor& out, const std::vector<Tensor>& inputs) {
  for (const Tensor& t : inputs) {
    // An op must return a new handle: writing the result's history into an input's slot
    // would cut that input out of the graph.
    RILL_CHECK(!out.is_same(t), "{}: the op returned its input handle instead of a new tensor", node->name());
    Edge edge{gradient_edge(t), {}};
    if (t.defined()) edge.shape = t.shape(), edge.dtype = t.dtype(), edge.device = t.device();
    node->next.push_back(std::move(edge));
  }
  auto meta = std::make_shared<AutogradMeta>();
  meta->requires_grad = true;
  meta->grad_fn = node;
  if (const auto& old = out.autograd_meta()) meta->tangent = old->tangent;  // keep a tangent set before
  out.autograd_meta() = std::move(meta);
}

}  // namespace rill
