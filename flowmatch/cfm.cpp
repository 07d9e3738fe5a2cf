#include "flowmatch/cfm.h"

#include "autograd/autograd.h"
#include "tensor/ops.h"

namespace rill::flowmatch {

CFMBatch cfm_batch(const CFMOptions& o, const Tensor& x0, const Tensor& x1, Generator* gen, const Tensor& labels) {
  return cfm_batch_of_pairs(o, o.coupling->pair(x0, x1, gen, labels), gen, labels);
}

CFMBatch cfm_batch_of_pairs(const CFMOptions& o, const Pairing& p, Generator* gen, const Tensor& labels) {
  const Tensor& x1 = p.x1;
  const Tensor t = o.time.sample(x1.size(0), x1.options(), gen);
  CFMBatch batch{o.path->sample(t, p.x0, p.x1, gen), Tensor()};
  if (labels.defined()) {
    batch.labels = ops::index_select(labels, 0, p.i1);
    if (o.label_dropout > 0) {
      RILL_CHECK(o.null_label >= 0, "cfm: label_dropout needs a null_label");
      const Tensor drop = ops::lt(rand({x1.size(0)}, {DType::Float64, x1.device()}, gen),
                                  full({}, o.label_dropout, {DType::Float64, x1.device()}));
      batch.labels =
          ops::where(drop, full({}, static_cast<double>(o.null_label), {DType::Int64, x1.device()}), batch.labels);
    }
  }
  return batch;
}

Tensor cfm_loss(const Model& model, const CFMOptions& o, const Tensor& x0, const Tensor& x1, Generator* gen,
                const Tensor& labels) {
  const CFMBatch b = cfm_batch(o, x0, x1, gen, labels);
  return mse_loss(model(b.sample.t, b.sample.xt, b.labels), b.sample.ut);
}

namespace {
Tensor batch_time(double t, const Tensor& x) { return full({x.size(0)}, t, x.options()); }
}  // namespace

VectorField as_field(const Model& model, const Tensor& labels) {
  return [model, labels](double t, const Tensor& x) { return model(batch_time(t, x), x, labels); };
}

VectorField guided_field(const Model& model, const Tensor& labels, int64_t null_label, double w, double until) {
  RILL_CHECK(labels.defined() && labels.dtype() == DType::Int64, "guided_field: needs int64 labels, one per sample");
  const Tensor null_labels = full(labels.shape(), static_cast<double>(null_label), labels.options());
  const Tensor both_labels = ops::cat({labels, null_labels}, 0);  // [2B]: the conditional rows, then the null ones
  return [=](double t, const Tensor& x) {
    if (w == 1.0 || t > until) return model(batch_time(t, x), x, labels);  // the plain conditional field
    // Both halves in one forward pass of 2B rows (one pass of weights through the cache,
    // GEMMs twice as wide), then split: rows [0, B) conditional, [B, 2B) unconditional.
    const int64_t b = x.size(0);
    const Tensor v = model(full({2 * b}, t, x.options()), ops::cat({x, x}, 0), both_labels);
    const Tensor cond = ops::narrow(v, 0, 0, b), uncond = ops::narrow(v, 0, b, b);
    return ops::add(uncond, ops::mul(ops::sub(cond, uncond), w));
  };
}

}  // namespace rill::flowmatch
