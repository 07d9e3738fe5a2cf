// Views: forward is the raw view; backward puts g back into the input's geometry; the
// tangent rule is the same view of the input's tangent (a view is linear: dy = view(dx)).
#include "autograd/view.h"

#include "autograd/forward_ad.h"
#include "autograd/node.h"
#include "tensor/ops.h"

namespace rill {

// The input's shape, as recorded on the node's first edge.
static const Shape& input_shape(const Node& node) { return node.next[0].shape; }

// ---- reshape / view / flatten / squeeze / unsqueeze: dx = g reshaped to x's shape ------------
struct ReshapeBackward : Node {
  std::string name() const override { return "ReshapeBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {ops::reshape(g, input_shape(*this))}; }
};
static Tensor recorded_reshape(const Tensor& x, const Tensor& y) {
  record<ReshapeBackward>(y, {x});
  if (has_tangent(x)) set_tangent(y, ops::reshape(tangent_of(x), y.shape()), "reshape");  // dy = reshape(dx)
  return y;
}
Tensor reshape(const Tensor& x, Shape shape) { return recorded_reshape(x, ops::reshape(x, std::move(shape))); }
Tensor view(const Tensor& x, Shape shape) { return recorded_reshape(x, ops::view(x, std::move(shape))); }
Tensor flatten(const Tensor& x, int64_t start_dim, int64_t end_dim) {
  return recorded_reshape(x, ops::flatten(x, start_dim, end_dim));
}
Tensor squeeze(const Tensor& x) { return recorded_reshape(x, ops::squeeze(x)); }
Tensor squeeze(const Tensor& x, int64_t dim) { return recorded_reshape(x, ops::squeeze(x, dim)); }
Tensor unsqueeze(const Tensor& x, int64_t dim) { return recorded_reshape(x, ops::unsqueeze(x, dim)); }

// ---- permute: dx = g permuted by the inverse permutation ------------------------------------
struct PermuteBackward : Node {
  std::vector<int64_t> inverse;
  std::string name() const override { return "PermuteBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {ops::permute(g, inverse)}; }
};
Tensor permute(const Tensor& x, const std::vector<int64_t>& dims) {
  Tensor y = ops::permute(x, dims);
  if (auto node = record<PermuteBackward>(y, {x})) {
    node->inverse.resize(dims.size());
    for (size_t i = 0; i < dims.size(); ++i)
      node->inverse[wrap_dim("permute", dims[i], x.dim())] = static_cast<int64_t>(i);
  }
  if (has_tangent(x)) set_tangent(y, ops::permute(tangent_of(x), dims), "permute");  // dy = permute(dx)
  return y;
}
Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1) {
  return permute(x, ops::transpose_dims(x.dim(), dim0, dim1));
}

// ---- expand: every copy of an element contributed to L, so dx = g summed over the copies;
//      tangent dy = expand(dx) ----
struct ExpandBackward : Node {
  std::string name() const override { return "ExpandBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {ops::sum_to(g, input_shape(*this))}; }
};
Tensor expand(const Tensor& x, const Shape& shape) {
  Tensor y = ops::expand(x, shape);
  record<ExpandBackward>(y, {x});
  if (has_tangent(x)) set_tangent(y, ops::expand(tangent_of(x), shape), "expand");
  return y;
}

// ---- narrow / slice / select: dx = zeros with g written into the same window;
//      tangent dy = the same window of dx ---------------
// The window is found again by applying the same view, with the same arguments, to the
// zeros: a view depends only on the shape, so it selects the same elements.
struct SliceBackward : Node {
  int64_t dim = 0, start = 0, end = 0, step = 1;
  std::string name() const override { return "SliceBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    Tensor dx = zeros(input_shape(*this), g.options());
    ops::copy_(ops::slice(dx, dim, start, end, step), g);
    return {dx};
  }
};
Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end, int64_t step) {
  Tensor y = ops::slice(x, dim, start, end, step);
  if (auto node = record<SliceBackward>(y, {x}))
    node->dim = dim, node->start = start, node->end = end, node->step = step;
  if (has_tangent(x)) set_tangent(y, ops::slice(tangent_of(x), dim, start, end, step), "slice");
  return y;
}

struct NarrowBackward : Node {
  int64_t dim = 0, start = 0, length = 0;
  std::string name() const override { return "NarrowBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    Tensor dx = zeros(input_shape(*this), g.options());
    ops::copy_(ops::narrow(dx, dim, start, length), g);
    return {dx};
  }
};
Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length) {
  Tensor y = ops::narrow(x, dim, start, length);
  if (auto node = record<NarrowBackward>(y, {x})) node->dim = dim, node->start = start, node->length = length;
  if (has_tangent(x)) set_tangent(y, ops::narrow(tangent_of(x), dim, start, length), "narrow");
  return y;
}

struct SelectBackward : Node {
  int64_t dim = 0, index = 0;
  std::string name() const override { return "SelectBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    Tensor dx = zeros(input_shape(*this), g.options());
    ops::copy_(ops::select(dx, dim, index), g);
    return {dx};
  }
};
Tensor select(const Tensor& x, int64_t dim, int64_t index) {
  Tensor y = ops::select(x, dim, index);
  if (auto node = record<SelectBackward>(y, {x})) node->dim = dim, node->index = index;
  if (has_tangent(x)) set_tangent(y, ops::select(tangent_of(x), dim, index), "select");
  return y;
}

// ---- contiguous / clone: the identity on values, dx = g, dy = dx ---------------------------------------
struct CloneBackward : Node {
  std::string name() const override { return "CloneBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {g}; }
};
Tensor clone(const Tensor& x) {
  Tensor y = ops::clone(x);
  record<CloneBackward>(y, {x});
  if (has_tangent(x)) set_tangent(y, tangent_of(x), "clone");
  return y;
}
Tensor contiguous(const Tensor& x) { return x.is_contiguous() ? x : clone(x); }

// ---- to(dtype): dx = g cast back to x's dtype;  dy = dx cast to the new dtype ---------------------------
struct ToBackward : Node {
  DType from = DType::Float32;
  std::string name() const override { return "ToBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override { return {ops::to(g, from)}; }
};
Tensor to(const Tensor& x, DType dtype) {
  if (x.dtype() == dtype) return x;
  Tensor y = ops::to(x, dtype);
  if (is_floating(dtype))
    if (auto node = record<ToBackward>(y, {x})) node->from = x.dtype();
  if (has_tangent(x) && is_floating(dtype)) set_tangent(y, ops::to(tangent_of(x), dtype), "to");
  return y;
}

}  // namespace rill
