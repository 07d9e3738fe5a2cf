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

VectorField guided_field(const Model& model, const Tensor& labels, int64_t null_label, double w) {
  RILL_CHECK(labels.defined() && labels.dtype() == DType::Int64, "guided_field: needs int64 labels, one per sample");
  return [=](double t, const Tensor& x) {
    const Tensor tb = batch_time(t, x);
    const Tensor cond = model(tb, x, labels);
    if (w == 1.0) return cond;
    const Tensor uncond = model(tb, x, full(labels.shape(), static_cast<double>(null_label), labels.options()));
    return ops::add(uncond, ops::mul(ops::sub(cond, uncond), w));
  };
}

}  // namespace rill::flowmatch
