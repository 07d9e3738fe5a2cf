#include "flowmatch/coupling.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "flowmatch/assignment.h"
#include "tensor/ops.h"
#include "tensor/threads.h"

namespace rill::flowmatch {

std::vector<double> squared_distances(const Tensor& a, const Tensor& b) {
  // sum_k (a_ik - b_jk)^2 by direct differences in float64: exact for equal points, which
  // the expansion |a|^2 + |b|^2 - 2 a.b is not (it loses digits to cancellation).
  const std::vector<double> A = a.to_vector<double>(), B = b.to_vector<double>();
  const int64_t n = a.size(0), m = b.size(0), d = n > 0 ? a.numel() / n : 0;
  RILL_CHECK(a.numel() / std::max<int64_t>(n, 1) == b.numel() / std::max<int64_t>(m, 1) && a.dim() == b.dim(),
             "squared_distances: points of shape {} and {} differ", shape_str(a.shape()), shape_str(b.shape()));
  // B transposed to [d, m], so the loop over j reads contiguously and vectorises (with
  // small d, as in the 2-D toys, the loop over k alone is too short to). Each entry is
  // still summed over k in order from 0, the same arithmetic as a plain loop.
  std::vector<double> Bt(static_cast<size_t>(d * m));
  for (int64_t j = 0; j < m; ++j)
    for (int64_t k = 0; k < d; ++k) Bt[k * m + j] = B[j * d + k];
  std::vector<double> out(static_cast<size_t>(n * m), 0.0);
#pragma omp parallel for schedule(static) if (n * m * d >= kParallelGrain)
  for (int64_t i = 0; i < n; ++i) {
    double* row = out.data() + i * m;
    for (int64_t k = 0; k < d; ++k) {
      const double ak = A[i * d + k];
      const double* bk = Bt.data() + k * m;
#pragma omp simd
      for (int64_t j = 0; j < m; ++j) row[j] += (ak - bk[j]) * (ak - bk[j]);
    }
  }
  return out;
}

std::vector<double> sinkhorn_plan(const std::vector<double>& cost, int64_t n, int64_t m, double reg,
                                  int64_t max_iterations, double tolerance) {
  RILL_CHECK(reg > 0, "sinkhorn: regularisation must be positive, got {}", reg);
  // Log-domain iterations on the dual potentials f, g (stable for small reg):
  //   f_i = reg log a_i - reg logsumexp_j((g_j - C_ij) / reg)
  //   g_j = reg log b_j - reg logsumexp_i((f_i - C_ij) / reg)
  //   P_ij = exp((f_i + g_j - C_ij) / reg)
  const double log_a = -std::log(static_cast<double>(n)), log_b = -std::log(static_cast<double>(m));
  std::vector<double> f(n, 0.0), g(m, 0.0), z(std::max(n, m));
  auto logsumexp = [](const double* v, int64_t len) {
    const double mx = *std::max_element(v, v + len);
    double s = 0;
    for (int64_t k = 0; k < len; ++k) s += std::exp(v[k] - mx);
    return mx + std::log(s);
  };
  for (int64_t it = 0; it < max_iterations; ++it) {
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < m; ++j) z[j] = (g[j] - cost[i * m + j]) / reg;
      f[i] = reg * (log_a - logsumexp(z.data(), m));
    }
    double err = 0;  // row sums match exactly after the f update; measure the columns
    for (int64_t j = 0; j < m; ++j) {
      for (int64_t i = 0; i < n; ++i) z[i] = (f[i] - cost[i * m + j]) / reg;
      const double lse = logsumexp(z.data(), n);
      err += std::abs(std::exp(lse + g[j] / reg) - 1.0 / static_cast<double>(m));
      g[j] = reg * (log_b - lse);
    }
    if (err < tolerance) break;
  }
  std::vector<double> plan(static_cast<size_t>(n * m));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j) plan[i * m + j] = std::exp((f[i] + g[j] - cost[i * m + j]) / reg);
  return plan;
}

namespace {

Tensor index_tensor(const std::vector<int64_t>& idx, Device device) { return ops::to(tensor(idx), device); }

Pairing select_pairs(const Tensor& x0, const Tensor& x1, const std::vector<int64_t>& i0,
                     const std::vector<int64_t>& i1) {
  const Tensor t0 = index_tensor(i0, x0.device()), t1 = index_tensor(i1, x1.device());
  return {ops::index_select(x0, 0, t0), ops::index_select(x1, 0, t1), t0, t1};
}

void check_batch(const char* name, const Tensor& x0, const Tensor& x1) {
  RILL_CHECK(x0.dim() >= 1 && x0.shape() == x1.shape(), "{} coupling: source {} and data {} must have the same shape",
             name, shape_str(x0.shape()), shape_str(x1.shape()));
}

std::vector<int64_t> iota(int64_t n) {
  std::vector<int64_t> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

class Independent final : public Coupling {
 public:
  std::string name() const override { return "independent"; }
  Pairing pair(const Tensor& x0, const Tensor& x1, Generator*, const Tensor&) const override {
    check_batch("independent", x0, x1);
    const Tensor idx = index_tensor(iota(x0.size(0)), x0.device());
    return {x0, x1, idx, idx};
  }
};

// Sum over coordinates of the variance of the rows of x [n, ...].
double spread(const Tensor& x) {
  const std::vector<double> v = x.to_vector<double>();
  const int64_t n = x.size(0), d = n > 0 ? x.numel() / n : 0;
  double total = 0;
  for (int64_t k = 0; k < d; ++k) {
    double mean = 0, square = 0;
    for (int64_t i = 0; i < n; ++i) mean += v[i * d + k];
    mean /= static_cast<double>(n);
    for (int64_t i = 0; i < n; ++i) square += (v[i * d + k] - mean) * (v[i * d + k] - mean);
    total += square;
  }
  return total;
}

// The optimal permutation pairing a's rows with b's (assignment[i] = the row of b for a's
// row i). Which set indexes the solver's rows does not change the optimal cost, but it
// changes the solver's time: with the more spread-out set as rows, the shortest
// augmenting paths explore fewer columns. Measured at n = 256 with a 2-D N(0, I) source
// (bench/README.md): 1.1-1.9x faster for every toy2d dataset, equal for N(0, I) data.
std::vector<int64_t> exact_ot_assignment(const Tensor& a, const Tensor& b) {
  const int64_t n = a.size(0);
  if (spread(b) <= spread(a)) return linear_sum_assignment(squared_distances(a, b), n);
  const std::vector<int64_t> b_to_a = linear_sum_assignment(squared_distances(b, a), n);  // the transposed costs
  std::vector<int64_t> assignment(n);
  for (int64_t k = 0; k < n; ++k) assignment[b_to_a[k]] = k;
  return assignment;
}

class ExactOT final : public Coupling {
 public:
  std::string name() const override { return "exact-ot"; }
  Pairing pair(const Tensor& x0, const Tensor& x1, Generator*, const Tensor&) const override {
    check_batch("exact OT", x0, x1);
    const int64_t n = x0.size(0);
    return select_pairs(x0, x1, iota(n), exact_ot_assignment(x0, x1));
  }
};

class Sinkhorn final : public Coupling {
 public:
  Sinkhorn(double reg, int64_t iters, double tol) : reg_(reg), iters_(iters), tol_(tol) {}
  std::string name() const override { return "sinkhorn"; }
  Pairing pair(const Tensor& x0, const Tensor& x1, Generator* gen, const Tensor&) const override {
    check_batch("sinkhorn", x0, x1);
    const int64_t n = x0.size(0);
    std::vector<double> cdf = sinkhorn_plan(squared_distances(x0, x1), n, n, reg_, iters_, tol_);
    std::partial_sum(cdf.begin(), cdf.end(), cdf.begin());
    // n pairs drawn with replacement from the plan (as torchcfm's OTPlanSampler does).
    const std::vector<double> u = rand({n}, DType::Float64, gen).to_vector<double>();
    std::vector<int64_t> i0(n), i1(n);
    for (int64_t k = 0; k < n; ++k) {
      const int64_t cell =
          std::min<int64_t>(std::upper_bound(cdf.begin(), cdf.end(), u[k] * cdf.back()) - cdf.begin(), n * n - 1);
      i0[k] = cell / n, i1[k] = cell % n;
    }
    return select_pairs(x0, x1, i0, i1);
  }

 private:
  double reg_;
  int64_t iters_;
  double tol_;
};

class ClassOT final : public Coupling {
 public:
  std::string name() const override { return "class-ot"; }
  Pairing pair(const Tensor& x0, const Tensor& x1, Generator*, const Tensor& labels) const override {
    check_batch("class OT", x0, x1);
    RILL_CHECK(labels.defined() && labels.dtype() == DType::Int64 && labels.shape() == Shape{x1.size(0)},
               "class OT coupling: needs int64 labels [{}] for the data rows", x1.size(0));
    // Group data rows by label; give each group the next block of source rows; OT inside.
    std::map<int64_t, std::vector<int64_t>> groups;
    const std::vector<int64_t> lv = labels.to_vector<int64_t>();
    for (int64_t k = 0; k < static_cast<int64_t>(lv.size()); ++k) groups[lv[k]].push_back(k);
    std::vector<int64_t> i0, i1;
    int64_t next_source = 0;
    for (const auto& [label, rows] : groups) {
      const int64_t m = static_cast<int64_t>(rows.size());
      std::vector<int64_t> sources(m);
      std::iota(sources.begin(), sources.end(), next_source);
      next_source += m;
      const Tensor a = ops::index_select(x0, 0, index_tensor(sources, x0.device()));
      const Tensor b = ops::index_select(x1, 0, index_tensor(rows, x1.device()));
      const std::vector<int64_t> assign = exact_ot_assignment(a, b);
      for (int64_t k = 0; k < m; ++k) i0.push_back(sources[k]), i1.push_back(rows[assign[k]]);
    }
    return select_pairs(x0, x1, i0, i1);
  }
};

}  // namespace

std::shared_ptr<Coupling> independent_coupling() { return std::make_shared<Independent>(); }
std::shared_ptr<Coupling> exact_ot_coupling() { return std::make_shared<ExactOT>(); }
std::shared_ptr<Coupling> sinkhorn_coupling(double reg, int64_t max_iterations, double tolerance) {
  return std::make_shared<Sinkhorn>(reg, max_iterations, tolerance);
}
std::shared_ptr<Coupling> class_ot_coupling() { return std::make_shared<ClassOT>(); }

}  // namespace rill::flowmatch
