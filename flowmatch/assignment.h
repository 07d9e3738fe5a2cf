// rill flowmatch — the linear assignment problem (exact optimal transport between two
// equal-size point sets with uniform weights).
//
// Given an n x n cost matrix C, find the permutation sigma minimising sum_i C[i, sigma(i)].
// Solved exactly by the Hungarian method in its O(n^3) shortest-augmenting-path form
// (Kuhn 1955; Munkres 1957; the potentials formulation of Jonker & Volgenant 1987):
// after a column-reduction warm start, each unmatched row runs a Dijkstra-like search
// over reduced costs C[i, j] - u[i] - v[j] >= 0 and flips the alternating path it finds.
#pragma once

#include <cstdint>
#include <vector>

namespace rill::flowmatch {

// cost: row-major n x n. Returns assignment[i] = the column given to row i.
std::vector<int64_t> linear_sum_assignment(const std::vector<double>& cost, int64_t n);

}  // namespace rill::flowmatch
