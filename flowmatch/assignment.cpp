// rill flowmatch — the Jonker-Volgenant assignment solver (LAPJV; Jonker & Volgenant,
// Computing 38, 1987). See assignment.h for the contract.
//
// The dual: column potentials v[j]; a row's potential is implicit, u[i] = min_j (C[i,j] -
// v[j]), which makes (u, v) dual feasible (u[i] + v[j] <= C[i,j]) by construction. The one
// invariant every phase keeps:
//
//   (I) every matched row i sits on a column j = col_of[i] where C[i,j] - v[j] is minimal
//       over all columns (the matched edge is tight).
//
// (For rows < cols also: (R) v[j] <= 0, and v[j] == 0 for every unmatched column; both
// hold from v = 0 because potentials only ever decrease and a column once matched stays
// matched.) When all rows are matched, (I) (and (R)) are complementary slackness, so the
// matching is optimal: its cost sum_i (u[i] + v[col_of[i]]) equals the dual objective.
//
// Phases, each O(n^2) except the last:
//   1. column reduction: v[j] = min_i C[i,j]; each column goes to its cheapest row if free;
//   2. reduction transfer: a row matched by phase 1 lowers its column's potential as far
//      as (I) allows, so the column looks dearer to the free rows;
//   3. augmenting row reduction (two passes, bounded): a free row takes its cheapest
//      column, evicting the holder, and lowers that column's potential to its
//      second-cheapest reduced cost;
//   4. augmentation: each remaining free row finds a shortest alternating path (Dijkstra
//      over columns, O(n^2) per row) to a free column and flips it.
// What the phases leave, measured at n = 256 (bench/assignment.cpp): on squared distances
// between two 2-D N(0, I) samples, 107 free rows after phase 1 and 57 after phase 3; with
// toy2d's moons as the targets, 181 and 158. So phase 4 does most of the work on these
// costs, and the speed-up over the Hungarian reference (the same phase 1, then phase 4
// with two scalar passes over the columns per step) comes from phase 4 being one
// vectorised pass per step that also finds the next column, taking a free one first among
// ties (exact ties between reduced costs are common, e.g. the zeros of tight edges;
// without that preference the moons case ran 2x slower), plus phase 3. With moons as the
// rows (toy2d's orientation, coupling.cpp) phase 4 scans ~8,300 columns per solve, 55 per
// free row, each scan a pass over all 256 columns; the number of scans hardly moves with
// the order of the free rows or a longer phase 3 (measured: 4-16x the visits save 2-8% of
// the scans and cost more), so the time went into the pass itself: branch-free lane
// merges and two independent accumulator chains (relax, two_least) made the solver
// 1.2-1.4x faster (bench/README.md, issue 16's second round). Phases 1 and 2
// need a square matrix (a column's potential may be positive after them, breaking (R)),
// so rectangular problems start at phase 3 from v = 0.
#include "flowmatch/assignment.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "tensor/error.h"

namespace rill::flowmatch {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int64_t kFree = -1;

// kLanes doubles (or int64s) as one value, for phase 4's inner loop (GCC/Clang vector
// extensions; one AVX-512 register, or two AVX2 ones, or scalar code where neither).
constexpr int kLanes = 8;
using Lanes = double __attribute__((vector_size(kLanes * sizeof(double))));
using LaneIndex = int64_t __attribute__((vector_size(kLanes * sizeof(int64_t))));
template <class V, class T>
V load_lanes(const T* p) {
  V x;
  std::memcpy(&x, p, sizeof x);  // unaligned
  return x;
}
inline Lanes load(const double* p) { return load_lanes<Lanes>(p); }
inline LaneIndex load(const int64_t* p) { return load_lanes<LaneIndex>(p); }
inline void store(double* p, Lanes x) { std::memcpy(p, &x, sizeof x); }
inline void store(int64_t* p, LaneIndex x) { std::memcpy(p, &x, sizeof x); }

// A column at the least value (distance or reduced cost): the first one (lowest index)
// among those that reach it.
struct Best {
  double value;
  int64_t column;
};

// Orders two candidates: a before b if it is smaller, or equal with a lower column.
inline bool before(const Best& a, const Best& b) {
  return a.value < b.value || (a.value == b.value && a.column < b.column);
}

// The first least of kLanes candidates (value[k], column[k]), without branches: the least
// value, then the least column among the lanes holding it. (Merging the lanes with a
// compare-and-branch per lane cost a fifth of the solver's time: the branches on ties and
// near-ties are unpredictable.)
inline Best first_least(Lanes value, LaneIndex column) {
  double least = value[0];
  for (int k = 1; k < kLanes; ++k) least = value[k] < least ? value[k] : least;
  const LaneIndex candidate = value == least ? column : std::numeric_limits<int64_t>::max() + LaneIndex{};
  int64_t at = candidate[0];
  for (int k = 1; k < kLanes; ++k) at = candidate[k] < at ? candidate[k] : at;
  return {least, at};
}

// Phase 4's working arrays, one entry per column, reused for every free row.
struct Scratch {
  explicit Scratch(int64_t cols)
      : dist(cols), free_penalty(cols), scanned_dist(cols), scanned_v(cols), pred(cols), scanned(cols) {}
  std::vector<double> dist;          // shortest distance found so far; +inf once scanned
  std::vector<double> free_penalty;  // 0 for a free column, +inf for a matched one
  std::vector<double> scanned_dist;  // final distance of the k-th scanned column
  std::vector<double> scanned_v;     // its potential before the search
  std::vector<int64_t> pred;         // the row each column was reached from
  std::vector<int64_t> scanned;      // the scanned columns, in order
};

// The state of one solve. cost: row-major rows x cols, rows <= cols.
class JonkerVolgenant {
 public:
  JonkerVolgenant(const double* cost, int64_t rows, int64_t cols)
      : c_(cost), rows_(rows), cols_(cols), v_(cols, 0.0), col_of_(rows, kFree), row_of_(cols, kFree) {}

  std::vector<int64_t> solve() {
    std::vector<int64_t> free_rows;
    if (rows_ == cols_) {
      free_rows = column_reduction();
    } else {
      for (int64_t i = 0; i < rows_; ++i) free_rows.push_back(i);
    }
    // Two passes, as Jonker & Volgenant recommend: the second catches most rows the first
    // evicted; more passes rarely pay for themselves.
    for (int pass = 0; pass < 2 && !free_rows.empty(); ++pass) free_rows = augmenting_row_reduction(free_rows);
    Scratch scratch(cols_);
    for (const int64_t f : free_rows) augment(f, scratch);
    return col_of_;
  }

 private:
  const double* row(int64_t i) const { return c_ + i * cols_; }

  void match(int64_t i, int64_t j) { col_of_[i] = j, row_of_[j] = i; }

  // Phases 1 and 2 (square only). Returns the rows left free.
  std::vector<int64_t> column_reduction() {
    // 1. v[j] = min_i C[i,j], found row by row (contiguous reads; a column walk strides
    // by n doubles). Then every reduced cost is >= 0 and is 0 at each column's argmin, so
    // u = 0 and a row on a column where it is the argmin satisfies (I).
    std::vector<int64_t> argmin(cols_, 0);
    for (int64_t j = 0; j < cols_; ++j) v_[j] = row(0)[j];
    for (int64_t i = 1; i < rows_; ++i) {
      const double* r = row(i);
      for (int64_t j = 0; j < cols_; ++j)
        if (r[j] < v_[j]) v_[j] = r[j], argmin[j] = i;
    }
    std::vector<int> wins(rows_, 0);  // how many columns have row i as their argmin
    for (int64_t j = cols_ - 1; j >= 0; --j) {
      const int64_t i = argmin[j];
      if (wins[i]++ == 0) match(i, j);  // a row that wins several columns keeps the first
    }
    // 2. Reduction transfer: a row that won exactly one column j has slack: its reduced
    // cost there is 0 and elsewhere at least mu = min_{k != j} (C[i,k] - v[k]) >= 0.
    // Setting v[j] = C[i,j] - mu keeps j a minimum for row i (reduced cost mu there too),
    // and lowering v[j] only raises other rows' reduced costs at j, so (I) holds. (Rows
    // that won several columns have no slack: they are tight at two columns.)
    std::vector<int64_t> free_rows;
    for (int64_t i = 0; i < rows_; ++i) {
      if (wins[i] == 0) {
        free_rows.push_back(i);
      } else if (wins[i] == 1 && cols_ > 1) {
        const int64_t j = col_of_[i];
        const double* r = row(i);
        double mu = kInf;
        for (int64_t k = 0; k < cols_; ++k)
          if (k != j && r[k] - v_[k] < mu) mu = r[k] - v_[k];
        v_[j] = r[j] - mu;
      }
    }
    return free_rows;
  }

  // The two least reduced costs C[i,j] - v[j] of row i's costs r, first and second in the
  // order of before() (equal values: lower column first); second.column is kFree when there
  // is one column. Each lane keeps the two least of its columns (j = k mod kLanes), then the
  // 2 * kLanes candidates are merged.
  struct TwoLeast {
    Best first, second;
  };
  TwoLeast two_least(const double* r) const {
    const double* v = v_.data();
    const int64_t blocked = cols_ / kLanes * kLanes;
    Lanes least1 = kInf - Lanes{}, least2 = least1;
    LaneIndex at1 = kFree + LaneIndex{}, at2 = at1, column{};
    for (int k = 0; k < kLanes; ++k) column[k] = k;
    for (int64_t j = 0; j < blocked; j += kLanes, column += kLanes) {
      const Lanes h = load(r + j) - load(v + j);
      const LaneIndex below1 = h < least1, below2 = h < least2;  // columns rise: ties keep the first
      least2 = below1 ? least1 : (below2 ? h : least2);
      at2 = below1 ? at1 : (below2 ? column : at2);
      least1 = below1 ? h : least1;
      at1 = below1 ? column : at1;
    }
    TwoLeast out{{kInf, kFree}, {kInf, kFree}};
    auto offer = [&out](double value, int64_t j) {
      if (j == kFree) return;  // a lane with fewer than two columns
      const Best c{value, j};
      if (out.first.column == kFree || before(c, out.first)) {
        out.second = out.first, out.first = c;
      } else if (out.second.column == kFree || before(c, out.second)) {
        out.second = c;
      }
    };
    for (int k = 0; k < kLanes; ++k) offer(least1[k], at1[k]), offer(least2[k], at2[k]);
    for (int64_t j = blocked; j < cols_; ++j) offer(r[j] - v[j], j);  // the last cols % kLanes
    return out;
  }

  // Phase 3: one pass of augmenting row reduction over the free rows. Returns the rows
  // still free afterwards (for the next pass or phase 4).
  //
  // A free row i finds its cheapest reduced cost u1 (column j1) and the next u2 (column
  // j2). It takes j1 and lowers v[j1] by u2 - u1, so j1's reduced cost for i becomes u2:
  // still a minimum for i (I), and only raised for everyone else. The evicted holder of j1
  // becomes free (no condition on free rows). If u1 < u2 the potentials strictly dropped,
  // so the evicted row is tried again at once (the chain usually ends at a free column);
  // if u1 == u2 nothing changed (i simply prefers j2 when j1 is taken, which may be free),
  // and the evicted row waits for the next pass, which guarantees progress.
  std::vector<int64_t> augmenting_row_reduction(std::vector<int64_t> rows) {
    std::vector<int64_t> still_free;
    // Chains of evictions can be long (nothing bounds them polynomially), and each visit
    // costs a scalar pass over a row. Measured on squared-distance and uniform costs
    // (bench/assignment.cpp), visits beyond about one per row cost more than the phase-4
    // searches they save, so after rows + 64 visits the rest go to phase 4, which is
    // exact regardless.
    int64_t budget = rows_ + 64;
    size_t k = 0;
    while (k < rows.size()) {
      if (--budget < 0) {
        still_free.insert(still_free.end(), rows.begin() + static_cast<std::ptrdiff_t>(k), rows.end());
        break;
      }
      const int64_t i = rows[k++];
      const auto [first, second] = two_least(row(i));
      const double u1 = first.value, u2 = second.value;
      int64_t j1 = first.column;
      const int64_t j2 = second.column;
      if (j2 == kFree) {  // a single column (1 x 1): nothing to compare with
        match(i, j1);
        continue;
      }
      int64_t evicted = row_of_[j1];
      const bool lowered = u1 < u2;
      if (lowered) {
        v_[j1] -= u2 - u1;
      } else if (evicted != kFree) {
        j1 = j2, evicted = row_of_[j2];
      }
      if (evicted != kFree) col_of_[evicted] = kFree;
      match(i, j1);
      if (evicted != kFree) {
        if (lowered)
          rows[--k] = evicted;  // reuse i's slot: the evicted row is next
        else
          still_free.push_back(evicted);
      }
    }
    return still_free;
  }

  // Phase 4: place free row f by a shortest augmenting path: Dijkstra's algorithm over
  // the columns, dense (every step relaxes all columns in one vectorised pass, which at
  // the sizes of minibatch OT beats any priority queue).
  //
  // dist[j] is the length, in reduced costs C[i,k] - v[k] - u[i] >= 0, of the shortest
  // alternating path found so far from f to column j (f's own u taken as 0: lengths are
  // relative), pred[j] the row it reached j from. Each step takes an unscanned column j1 at
  // the least distance mu; if it is free, the path to it is a shortest augmenting path.
  // Otherwise it is scanned: the path goes on through the tight edge (i, j1), i =
  // row_of[j1], reaching i at length mu, and from there column j at mu + (C[i,j] - v[j]) -
  // (C[i,j1] - v[j1]). Among columns at the least distance a free one is taken first (as
  // Jonker & Volgenant do): with ties (integer or all-equal costs) this ends the search
  // without scanning columns that cannot shorten the path.
  //
  // A scanned column drops out of the search without a test in the inner loops: its
  // dist is set to +inf (so no minimum picks it) and its potential, saved aside, to -inf
  // for the rest of the search (so r[j] - v[j] is +inf and relax never lowers its dist).
  void augment(int64_t f, Scratch& s) {
    const int64_t n = cols_;
    std::fill(s.dist.begin(), s.dist.end(), kInf);
    for (int64_t j = 0; j < n; ++j) s.free_penalty[j] = row_of_[j] == kFree ? 0.0 : kInf;
    Least least = relax(row(f), 0.0, f, s);
    double mu = 0;  // the length of the augmenting path, once found
    int64_t scanned = 0, end = kFree;
    for (;;) {
      if (least.free.value <= least.all.value) {  // a free column at the least distance
        end = least.free.column, mu = least.free.value;
        break;
      }
      const int64_t j1 = least.all.column;
      mu = least.all.value;
      const int64_t i = row_of_[j1];
      const double* r = row(i);
      const double h = r[j1] - v_[j1] - mu;
      s.scanned[scanned] = j1, s.scanned_dist[scanned] = mu, s.scanned_v[scanned++] = v_[j1];
      s.dist[j1] = kInf, v_[j1] = -kInf;
      least = relax(r, h, i, s);
    }
    // Restore the scanned columns' potentials, updated: v[j] -= mu - dist[j] (>= 0),
    // where mu is now the length of the augmenting path. Every edge of the shortest-path
    // tree becomes tight and no reduced cost turns negative (the usual Dijkstra potential
    // argument; unscanned columns have dist >= mu and keep theirs). This keeps (I) for
    // every matched row and makes the flipped path's edges tight.
    for (int64_t k = 0; k < scanned; ++k) v_[s.scanned[k]] = s.scanned_v[k] - (mu - s.scanned_dist[k]);
    // Flip the alternating path: end's predecessor row takes end, and so on back to f.
    int64_t j = end;
    for (;;) {
      const int64_t i = s.pred[j];
      const int64_t previous = col_of_[i];
      match(i, j);
      if (i == f) break;
      j = previous;
    }
  }

  struct Least {
    Best all, free;  // over the unscanned columns; over the free columns
  };

  // One relaxation step from row i (cost row r): dist[j] = min(dist[j], r[j] - v[j] - h),
  // pred[j] = i where that improved; returns the least new dist and where it is, over
  // all unscanned columns and over the free ones (free_penalty adds +inf to the others).
  //
  // This loop is the solver's time (one pass per scanned column), so it is written with
  // GCC/Clang vector extensions, kLanes columns at once: each lane keeps its own least
  // value and the first column reaching it, and the lanes are merged at the end. (With
  // plain loops the compiler vectorised the minimum but not where it is, which then
  // needed a second pass over the columns.) Two sets of lanes take alternate blocks of
  // columns: "least = now < least ? now : least" is a chain from one block to the next
  // (a compare, then a blend), and two independent chains keep the core busy (measured:
  // 5-10% faster than one; four gained nothing more).
  Least relax(const double* r, double h, int64_t i, Scratch& s) {
    constexpr int kSets = 2;
    constexpr int64_t kStep = kSets * kLanes;
    const double* v = v_.data();
    const double* penalty = s.free_penalty.data();
    double* dist = s.dist.data();
    int64_t* pred = s.pred.data();
    const int64_t blocked = cols_ / kStep * kStep;
    const LaneIndex row_i = i + LaneIndex{};
    Lanes least[kSets]{}, least_free[kSets]{};
    LaneIndex at[kSets]{}, at_free[kSets]{}, column[kSets]{};
    LaneIndex lane{};
    for (int k = 0; k < kLanes; ++k) lane[k] = k;
    for (int u = 0; u < kSets; ++u) least[u] = kInf - Lanes{}, least_free[u] = least[u], column[u] = lane + u * kLanes;
    for (int64_t j0 = 0; j0 < blocked; j0 += kStep) {
      for (int u = 0; u < kSets; ++u) {
        const int64_t j = j0 + u * kLanes;
        const Lanes d = load(r + j) - load(v + j) - h;
        const Lanes old = load(dist + j);
        const LaneIndex better = d < old;
        const Lanes now = better ? d : old;
        store(dist + j, now);
        store(pred + j, better ? row_i : load(pred + j));
        const LaneIndex lower = now < least[u];
        least[u] = lower ? now : least[u];
        at[u] = lower ? column[u] : at[u];
        const Lanes now_free = now + load(penalty + j);
        const LaneIndex lower_free = now_free < least_free[u];
        least_free[u] = lower_free ? now_free : least_free[u];
        at_free[u] = lower_free ? column[u] : at_free[u];
        column[u] += kStep;
      }
    }
    // Merge the sets lane by lane (a tie goes to the lower column), then the lanes.
    for (int u = 1; u < kSets; ++u) {
      LaneIndex take = least[u] < least[0] || (least[u] == least[0] && at[u] < at[0]);
      least[0] = take ? least[u] : least[0], at[0] = take ? at[u] : at[0];
      take = least_free[u] < least_free[0] || (least_free[u] == least_free[0] && at_free[u] < at_free[0]);
      least_free[0] = take ? least_free[u] : least_free[0], at_free[0] = take ? at_free[u] : at_free[0];
    }
    Least out{first_least(least[0], at[0]), first_least(least_free[0], at_free[0])};
    if (out.all.value == kInf) out.all.column = cols_;  // nothing left: "no column"
    if (out.free.value == kInf) out.free.column = cols_;
    for (int64_t j = blocked; j < cols_; ++j) {  // the last cols % kStep columns
      const double d = r[j] - v[j] - h;
      if (d < dist[j]) dist[j] = d, pred[j] = i;
      if (before({dist[j], j}, out.all)) out.all = {dist[j], j};
      if (before({dist[j] + penalty[j], j}, out.free)) out.free = {dist[j] + penalty[j], j};
    }
    return out;
  }

  const double* c_;
  int64_t rows_, cols_;
  std::vector<double> v_;
  std::vector<int64_t> col_of_, row_of_;
};

void check_finite(const std::vector<double>& cost, int64_t rows, int64_t cols) {
  // One vectorised pass (a test per element with an early exit does not vectorise).
  bool finite = true;
  const double* c = cost.data();
  const int64_t size = static_cast<int64_t>(cost.size());
#pragma omp simd reduction(&& : finite)
  for (int64_t k = 0; k < size; ++k)
    finite = finite && std::abs(c[k]) <= std::numeric_limits<double>::max();  // NaN: false
  RILL_CHECK(finite, "linear_sum_assignment: costs must be finite ({} x {} problem)", rows, cols);
}
}  // namespace

std::vector<int64_t> linear_sum_assignment(const std::vector<double>& cost, int64_t rows, int64_t cols) {
  RILL_CHECK(rows >= 0 && rows <= cols, "linear_sum_assignment: needs rows <= cols, got {} x {}", rows, cols);
  RILL_CHECK(static_cast<int64_t>(cost.size()) == rows * cols, "linear_sum_assignment: {} costs for a {} x {} problem",
             cost.size(), rows, cols);
  check_finite(cost, rows, cols);
  if (rows == 0) return {};
  return JonkerVolgenant(cost.data(), rows, cols).solve();
}

std::vector<int64_t> linear_sum_assignment(const std::vector<double>& cost, int64_t n) {
  return linear_sum_assignment(cost, n, n);
}

}  // namespace rill::flowmatch
