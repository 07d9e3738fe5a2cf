// rill flowmatch — couplings: how source samples x0 are paired with data samples x1
// within a minibatch.
//
// Independent pairing gives I-CFM. Pairing by minibatch optimal transport (Tong et al.
// 2024, sec. 3.2; Pooladian et al. 2023) makes the conditional paths cross less, so the
// learned marginal flow is straighter and needs fewer solver steps. With an entropic
// plan (Sinkhorn, regularisation 2 sigma^2) and the Schrodinger-bridge path it
// approximates the Schrodinger bridge (Tong et al., sec. 3.3).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tensor/random.h"
#include "tensor/tensor.h"

namespace rill::flowmatch {

// Row k pairs source[i0[k]] with data[i1[k]]. Labels belong to data rows: use labels[i1].
struct Pairing {
  Tensor x0, x1;
  Tensor i0, i1;  // int64 [B]
};

class Coupling {
 public:
  virtual ~Coupling() = default;
  virtual std::string name() const = 0;
  // x0, x1: [B, ...] (same B). labels: [B] int64 for the data rows, or undefined.
  virtual Pairing pair(const Tensor& x0, const Tensor& x1, Generator* gen = nullptr,
                       const Tensor& labels = {}) const = 0;
};

std::shared_ptr<Coupling> independent_coupling();
// Exact minibatch OT: the permutation minimising sum ||x0_i - x1_sigma(i)||^2.
std::shared_ptr<Coupling> exact_ot_coupling();
// Entropic OT by log-domain Sinkhorn with regularisation `reg`; B pairs drawn from the plan.
std::shared_ptr<Coupling> sinkhorn_coupling(double reg, int64_t max_iterations = 1000, double tolerance = 1e-6);
// Exact OT within each label: data of class c is paired only with the source rows
// assigned to class c (so class-conditional flows stay straight too).
std::shared_ptr<Coupling> class_ot_coupling();

// Squared Euclidean costs between rows of a [n, ...] and b [m, ...], in float64, row-major [n * m].
std::vector<double> squared_distances(const Tensor& a, const Tensor& b);

// The entropic OT plan (uniform marginals 1/n, 1/m) for the cost matrix, row-major [n * m].
std::vector<double> sinkhorn_plan(const std::vector<double>& cost, int64_t n, int64_t m, double reg,
                                  int64_t max_iterations = 1000, double tolerance = 1e-6);

}  // namespace rill::flowmatch
