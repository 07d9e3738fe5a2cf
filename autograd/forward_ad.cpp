#include "autograd/forward_ad.h"

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "tensor/ops.h"

namespace rill {

Tensor tangent_of(const Tensor& x) {
  const auto& meta = x.defined() ? x.autograd_meta() : nullptr;
  return meta ? meta->tangent : Tensor();
}

bool has_tangent(const Tensor& x) { return tangent_of(x).defined(); }

bool any_tangent(const std::vector<Tensor>& inputs) {
  for (const Tensor& x : inputs)
    if (has_tangent(x)) return true;
  return false;
}

Tensor tangent_or_zeros(const Tensor& x) {
  Tensor t = tangent_of(x);
  return t.defined() ? t : zeros(x.shape(), x.options());
}

void set_tangent(const Tensor& y, const Tensor& t, const char* op) {
  RILL_CHECK(t.defined(), "{}: the tangent rule returned no tensor", op);
  RILL_CHECK(t.shape() == y.shape() && t.dtype() == y.dtype() && t.device() == y.device(),
             "{}: tangent of shape {} ({}, {}) for a result of shape {} ({}, {}); a tangent has its value's shape, "
             "dtype and device",
             op, shape_str(t.shape()), t.dtype(), t.device(), shape_str(y.shape()), y.dtype(), y.device());
  auto& meta = y.autograd_meta();
  if (!meta) meta = std::make_shared<AutogradMeta>();
  meta->tangent = t;
}

void clear_tangent(const Tensor& y) {
  if (y.defined() && y.autograd_meta()) y.autograd_meta()->tangent = Tensor();
}

// ---- make_dual: y = x (a new handle) with tangent t;  backward dx = g ----------------------
struct DualBackward : Node {
  std::string name() const override { return "DualBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {g}; }
};
Tensor make_dual(const Tensor& x, const Tensor& t) {
  RILL_CHECK(x.defined(), "make_dual: undefined primal");
  RILL_CHECK(!has_tangent(x), "make_dual: the primal (shape {}) already has a tangent; nested forward mode is not "
                              "supported", shape_str(x.shape()));
  RILL_CHECK(!has_tangent(t), "make_dual: the tangent (shape {}) has a tangent of its own; nested forward mode is "
                              "not supported", shape_str(t.shape()));
  Tensor y = Tensor::make_view(x, x.shape(), x.strides(), x.offset());
  record<DualBackward>(y, {x});
  if (t.defined()) set_tangent(y, t, "make_dual");
  return y;
}

namespace autograd {

JvpResult jvp(const JvpFunction& f, const std::vector<Tensor>& primals, const std::vector<Tensor>& tangents) {
  RILL_CHECK(primals.size() == tangents.size(), "jvp: {} primals but {} tangents (one per primal; undefined = zero)",
             primals.size(), tangents.size());
  std::vector<Tensor> duals;
  for (size_t i = 0; i < primals.size(); ++i) {
    const Tensor& t = tangents[i];
    if (t.defined())
      RILL_CHECK(t.shape() == primals[i].shape() && t.dtype() == primals[i].dtype() &&
                     t.device() == primals[i].device(),
                 "jvp: tangent {} has shape {} ({}, {}) but its primal has shape {} ({}, {})", i, shape_str(t.shape()),
                 t.dtype(), t.device(), shape_str(primals[i].shape()), primals[i].dtype(), primals[i].device());
    duals.push_back(make_dual(primals[i], detach(t)));
  }
  JvpResult r;
  r.outputs = f(duals);
  for (Tensor& y : r.outputs) {
    RILL_CHECK(y.defined(), "jvp: the function returned an undefined tensor");
    Tensor t = tangent_of(y);
    r.tangents.push_back(t.defined() ? t : zeros(y.shape(), y.options()));
    clear_tangent(y);  // handed back as a plain value (its reverse graph, if any, stays)
  }
  return r;
}

JvpResult jvp(const std::function<Tensor(const Tensor&)>& f, const Tensor& primal, const Tensor& tangent) {
  return jvp([&f](const std::vector<Tensor>& in) { return std::vector<Tensor>{f(in[0])}; }, {primal}, {tangent});
}

}  // namespace autograd
}  // namespace rill
