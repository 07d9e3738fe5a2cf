// rill flowmatch — the reference assignment solver: the O(n^3) Hungarian method in its
// shortest-augmenting-path form (see assignment.h). Kept simple and unchanged so the fast
// solver (assignment.cpp) is tested against it; not used on any training path.
#include <limits>

#include "flowmatch/assignment.h"
#include "tensor/error.h"

namespace rill::flowmatch {

std::vector<int64_t> linear_sum_assignment_hungarian(const std::vector<double>& cost, int64_t n) {
  RILL_CHECK(static_cast<int64_t>(cost.size()) == n * n,
             "linear_sum_assignment_hungarian: {} costs for a {} x {} problem", cost.size(), n, n);
  constexpr double kInf = std::numeric_limits<double>::infinity();
  // 1-based internally; column 0 is a virtual start column. row_of[j] = row matched to column j (0: none).
  std::vector<double> u(n + 1, 0.0), v(n + 1, 0.0);  // dual potentials of rows and columns
  std::vector<int64_t> row_of(n + 1, 0), prev(n + 1, 0);
  auto c = [&](int64_t i, int64_t j) { return cost[(i - 1) * n + (j - 1)]; };

  // Warm start by column reduction (Jonker & Volgenant 1987, step 1): v[j] = min_i C[i, j],
  // and each column goes to its cheapest row if that row is still free. All reduced costs
  // stay >= 0 and these matches are tight, so the augmentation below only has to place
  // the remaining rows (typically about half of them).
  std::vector<char> row_matched(n + 1, 0);
  for (int64_t j = 1; j <= n; ++j) {
    int64_t best = 1;
    for (int64_t i = 2; i <= n; ++i)
      if (c(i, j) < c(best, j)) best = i;
    v[j] = c(best, j);
    if (!row_matched[best]) row_of[j] = best, row_matched[best] = 1;
  }

  for (int64_t i = 1; i <= n; ++i) {
    if (row_matched[i]) continue;
    // Grow a shortest-path tree from row i until it reaches a free column.
    row_of[0] = i;
    int64_t j0 = 0;
    std::vector<double> dist(n + 1, kInf);  // tentative reduced distance to each column
    std::vector<char> done(n + 1, 0);
    do {
      done[j0] = 1;
      const int64_t i0 = row_of[j0];
      double delta = kInf;
      int64_t j1 = 0;
      for (int64_t j = 1; j <= n; ++j) {
        if (done[j]) continue;
        const double reduced = c(i0, j) - u[i0] - v[j];
        if (reduced < dist[j]) dist[j] = reduced, prev[j] = j0;
        if (dist[j] < delta) delta = dist[j], j1 = j;
      }
      RILL_CHECK(j1 != 0, "linear_sum_assignment_hungarian: costs must be finite");
      // Shift potentials so the tree's edges stay tight and the new column joins it.
      for (int64_t j = 0; j <= n; ++j) {
        if (done[j])
          u[row_of[j]] += delta, v[j] -= delta;
        else
          dist[j] -= delta;
      }
      j0 = j1;
    } while (row_of[j0] != 0);
    // Flip the matching along the path back to the virtual column.
    do {
      const int64_t j1 = prev[j0];
      row_of[j0] = row_of[j1];
      j0 = j1;
    } while (j0 != 0);
  }
  std::vector<int64_t> assignment(n);
  for (int64_t j = 1; j <= n; ++j) assignment[row_of[j] - 1] = j - 1;
  return assignment;
}

}  // namespace rill::flowmatch
