// rill flowmatch — the conditional flow matching objective.
//
//   L(theta) = E_{t, (x0, x1) ~ coupling, x_t ~ path} || v_theta(t, x_t) - u_t(x_t | x0, x1) ||^2
// (Lipman et al. 2023, eq. 9; Tong et al. 2024, eq. 6). One call builds a training batch
// (pair, sample t, sample x_t) and returns the MSE, ready for backward(). Labels, when the
// model is conditional, follow their data rows through the coupling and are replaced by
// the null label with probability `label_dropout`, so one network learns both the
// conditional and the unconditional field (classifier-free guidance, Ho & Salimans 2022).
#pragma once

#include <functional>
#include <memory>

#include "flowmatch/coupling.h"
#include "flowmatch/ode.h"
#include "flowmatch/path.h"
#include "flowmatch/time.h"

namespace rill::flowmatch {

// v_theta(t [B], x_t [B, ...], labels [B] or undefined) -> [B, ...]
// nn::MLP and nn::UNet take exactly these arguments, so a module is a Model as it is:
// pass it by reference, cfm_loss(std::ref(model), ...) (a std::function holds a copy of
// what it is given, and modules cannot be copied).
using Model = std::function<Tensor(const Tensor& t, const Tensor& xt, const Tensor& labels)>;

struct CFMOptions {
  std::shared_ptr<ProbabilityPath> path = independent_path();
  std::shared_ptr<Coupling> coupling = independent_coupling();
  TimeSampler time = TimeSampler::uniform();
  double label_dropout = 0.0;  // probability of replacing a label by null_label
  int64_t null_label = -1;
};

struct CFMBatch {
  PathSample sample;
  Tensor labels;  // after pairing and dropout (undefined when no labels were given)
};

// The pairs, times and targets for one step.
CFMBatch cfm_batch(const CFMOptions& options, const Tensor& x0, const Tensor& x1, Generator* gen = nullptr,
                   const Tensor& labels = {});
// The part of cfm_batch after pairing: times t [B] from options.time, x_t and u_t from
// options.path, the labels of the data rows (labels[pairs.i1]) with dropout. The random
// numbers are drawn from gen in this order: t, the path's noise, the label dropout.
// cfm_batch(o, x0, x1, gen, labels) == cfm_batch_of_pairs(o, o.coupling->pair(x0, x1, gen, labels), gen, labels).
CFMBatch cfm_batch_of_pairs(const CFMOptions& options, const Pairing& pairs, Generator* gen = nullptr,
                            const Tensor& labels = {});
// The CFM loss mean((v - u)^2) on that batch (differentiable in the model's parameters).
Tensor cfm_loss(const Model& model, const CFMOptions& options, const Tensor& x0, const Tensor& x1,
                Generator* gen = nullptr, const Tensor& labels = {});

// Classifier-free guidance: v = v(x | null) + w (v(x | y) - v(x | null)). w = 1 is the
// plain conditional field, w = 0 the unconditional one. Guidance acts on t <= until only;
// later the field is the plain conditional one (one pass instead of two): with until < 1
// the last stretch before the data (t -> 1) is left unguided, where guidance only
// sharpens pixel-level detail (docs/flow-matching.md, "Guidance and speckle").
// Both halves run as one forward pass of 2B rows.
VectorField guided_field(const Model& model, const Tensor& labels, int64_t null_label, double w, double until = 1.0);
// A model without labels as an ODE field (times broadcast to the batch).
VectorField as_field(const Model& model, const Tensor& labels = {});

}  // namespace rill::flowmatch
