#include "autograd/index.h"

#include "autograd/forward_ad.h"
#include "autograd/node.h"
#include "autograd/view.h"
#include "tensor/ops.h"

namespace rill {

// ---- cat: y = [x_0 | x_1 | ...] along dim;  dx_i = the slice of g where x_i went;
//      tangent dy = [dx_0 | dx_1 | ...] (zeros for an input without one) ---------------
struct CatBackward : Node {
  int64_t dim = 0;
  std::string name() const override { return "CatBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    std::vector<Tensor> grads;
    int64_t at = 0;
    for (const Edge& e : next) {
      const int64_t size = e.shape[dim];
      grads.push_back(e.node ? ops::narrow(g, dim, at, size) : Tensor());
      at += size;
    }
    return grads;
  }
};
Tensor cat(const std::vector<Tensor>& xs, int64_t dim) {
  Tensor y = ops::cat(xs, dim);
  if (auto node = record<CatBackward>(y, xs)) node->dim = wrap_dim("cat", dim, y.dim());
  if (any_tangent(xs)) {
    std::vector<Tensor> tangents;
    for (const Tensor& x : xs) tangents.push_back(tangent_or_zeros(x));
    set_tangent(y, ops::cat(tangents, dim), "cat");
  }
  return y;
}

// stack, split and chunk are compositions of differentiable views and cat.
Tensor stack(const std::vector<Tensor>& xs, int64_t dim) {
  dim = ops::check_stack(xs, dim);
  std::vector<Tensor> expanded;
  for (const Tensor& x : xs) expanded.push_back(unsqueeze(x, dim));
  return cat(expanded, dim);
}

std::vector<Tensor> split(const Tensor& x, int64_t size, int64_t dim) {
  RILL_CHECK(size > 0, "split: piece size must be positive, got {}", size);
  const int64_t d = wrap_dim("split", dim, x.dim());
  std::vector<Tensor> pieces;
  for (int64_t at = 0; at < x.size(d); at += size) pieces.push_back(narrow(x, d, at, std::min(size, x.size(d) - at)));
  return pieces;
}

std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim) {
  RILL_CHECK(chunks > 0, "chunk: number of chunks must be positive, got {}", chunks);
  const int64_t d = wrap_dim("chunk", dim, x.dim());
  return split(x, std::max<int64_t>((x.size(d) + chunks - 1) / chunks, 1), d);
}

// ---- index_select: y = x[..., index, ...];  dx = zeros + g added back at index (repeats add);
//      tangent dy = dx[..., index, ...] ------
struct IndexSelectBackward : Node {
  SavedTensor saved_index;
  int64_t dim = 0;
  std::string name() const override { return "IndexSelectBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    const Tensor& index = saved_index.unpack(*this, "its index");
    // scatter_add wants an index of g's shape: index along dim, broadcast over the rest.
    Shape at(g.dim(), 1);
    at[dim] = index.numel();
    const Tensor full_index = ops::expand(ops::reshape(index, at), g.shape());
    return {ops::scatter_add(zeros(next[0].shape, g.options()), dim, full_index, g)};
  }
  void release_saved() override { saved_index.reset(); }
};
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  Tensor y = ops::index_select(x, dim, index);
  if (auto node = record<IndexSelectBackward>(y, {x}))
    node->saved_index = save_for_backward(index), node->dim = wrap_dim("index_select", dim, x.dim());
  if (has_tangent(x)) set_tangent(y, ops::index_select(tangent_of(x), dim, index), "index_select");
  return y;
}

// ---- gather: y[.., i, ..] = x[.., index[.., i, ..], ..];  dx = scatter_add(0, index, g);
//      tangent dy = gather(dx, index) -------------
struct GatherBackward : Node {
  SavedTensor saved_index;
  int64_t dim = 0;
  std::string name() const override { return "GatherBackward"; }
  std::vector<Tensor> backward(const Tensor& g) override {
    return {ops::scatter_add(zeros(next[0].shape, g.options()), dim, saved_index.unpack(*this, "its index"), g)};
  }
  void release_saved() override { saved_index.reset(); }
};
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  Tensor y = ops::gather(x, dim, index);
  if (auto node = record<GatherBackward>(y, {x}))
    node->saved_index = save_for_backward(index), node->dim = wrap_dim("gather", dim, x.dim());
  if (has_tangent(x)) set_tangent(y, ops::gather(tangent_of(x), dim, index), "gather");
  return y;
}

// ---- embedding: a composition, index_select of rows then a reshape -------------------------------
Tensor embedding(const Tensor& weight, const Tensor& indices) {
  RILL_CHECK(weight.dim() == 2, "embedding: weight must be [num_embeddings, dim], got shape {}",
             shape_str(weight.shape()));
  RILL_CHECK(indices.dtype() == DType::Int64, "embedding: indices must be int64, got {}", indices.dtype());
  Shape shape = indices.shape();
  shape.push_back(weight.size(1));
  return reshape(index_select(weight, 0, ops::reshape(indices, {-1})), shape);
}

}  // namespace rill
