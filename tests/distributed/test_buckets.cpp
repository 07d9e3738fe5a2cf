// Collectives over many tensors in buckets (distributed/buckets.h): the plan by hand,
// then all_reduce_buckets_ and broadcast_buckets_ under mpiexec (ctest runs the [mpi]
// cases on 2 and 3 processes) against values computed by hand. Rank r contributes
// (r + 1) times a pattern of exact values k / 64, so sums and means are exact.
#include "distributed/single_process.h"
#include "tests/distributed/dist_helpers.h"

using namespace rill;
using namespace rill::test;

namespace {

// (tensor, offset, count, at) of every piece of every bucket, for comparing plans.
std::vector<std::vector<std::array<int64_t, 4>>> pieces_of(const std::vector<distributed::Bucket>& buckets) {
  std::vector<std::vector<std::array<int64_t, 4>>> out;
  for (const distributed::Bucket& b : buckets) {
    out.emplace_back();
    int64_t sum = 0;
    for (const distributed::BucketPiece& p : b.pieces) {
      out.back().push_back({static_cast<int64_t>(p.tensor), p.offset, p.count, p.at});
      sum += p.count;
    }
    CHECK(sum == b.numel);
  }
  return out;
}

// The tensors of the [mpi] cases: sizes that split unevenly into buckets, a scalar, an
// empty tensor, and a change of dtype in the middle. Rank r's are (r + 1) * pattern.
std::vector<Tensor> rank_tensors(int rank) {
  const double scale = rank + 1;
  return {dyadic({3}, DType::Float32, scale), dyadic({5}, DType::Float32, scale),
          dyadic({2}, DType::Float32, scale), dyadic({4, 7}, DType::Float32, scale),
          dyadic({}, DType::Float32, scale),  dyadic({0, 3}, DType::Float32, scale),
          dyadic({6}, DType::Float64, scale), dyadic({2, 3}, DType::Float32, scale)};
}

}  // namespace

TEST_CASE("buckets: the plan lays tensors end to end and cuts at bucket_bytes", "[distributed][buckets]") {
  // The example of buckets.h: 3, 5 and 2 float32 in buckets of 16 bytes (4 floats).
  const std::vector<Tensor> t = {zeros({3}), zeros({5}), zeros({2})};
  using P = std::vector<std::array<int64_t, 4>>;
  CHECK(pieces_of(distributed::plan_buckets(t, 16)) ==
        std::vector<P>{P{{0, 0, 3, 0}, {1, 0, 1, 3}}, P{{1, 1, 4, 0}}, P{{2, 0, 2, 0}}});
  // Buckets smaller than one tensor: one element each (4 bytes); a byte count that is not a
  // multiple of the element size rounds down (7 bytes: 1 float).
  for (int64_t bytes : {4, 7}) CHECK(distributed::plan_buckets(t, bytes).size() == 10);
  // 28 bytes = 7 floats: [t0 + 4 of t1], [1 of t1 + t2].
  CHECK(pieces_of(distributed::plan_buckets(t, 28)) ==
        std::vector<P>{P{{0, 0, 3, 0}, {1, 0, 4, 3}}, P{{1, 4, 1, 0}, {2, 0, 2, 1}}});
  // Large buckets: everything in one.
  CHECK(pieces_of(distributed::plan_buckets(t, 1 << 20)) ==
        std::vector<P>{P{{0, 0, 3, 0}, {1, 0, 5, 3}, {2, 0, 2, 8}}});
  // A change of dtype starts a new bucket; an empty tensor takes no piece.
  const std::vector<Tensor> mixed = {zeros({2}), zeros({0}), zeros({2}, DType::Float64), zeros({1})};
  const auto plan = distributed::plan_buckets(mixed, 1 << 20);
  CHECK(pieces_of(plan) == std::vector<P>{P{{0, 0, 2, 0}}, P{{2, 0, 2, 0}}, P{{3, 0, 1, 0}}});
  CHECK(plan[1].dtype == DType::Float64);
  CHECK(distributed::plan_buckets({}, 16).empty());
}

TEST_CASE("buckets: the plan refuses what it cannot cut", "[distributed][buckets]") {
  CHECK_THROWS_WITH(distributed::plan_buckets({zeros({2}, DType::Float64)}, 4),
                    Catch::Contains("a bucket of 4 bytes cannot hold one float64 element (8 bytes)"));
  CHECK_THROWS_WITH(distributed::plan_buckets({zeros({2}), ops::transpose(zeros({2, 3}), 0, 1)}, 64),
                    Catch::Contains("tensor 1 (float32 [3, 2]) is not contiguous"));
  CHECK_THROWS_WITH(distributed::plan_buckets({Tensor()}, 64), Catch::Contains("tensor 0 of 1 is undefined"));
}

TEST_CASE("buckets: with one process the values stay and the bytes are counted", "[distributed][buckets]") {
  distributed::SingleProcessCommunicator one;
  const std::vector<Tensor> t = rank_tensors(0);
  const distributed::BucketStats s = distributed::all_reduce_buckets_(one, t, distributed::ReduceOp::Mean, 16);
  for (size_t k = 0; k < t.size(); ++k) require_close(t[k], values(rank_tensors(0)[k]), 0);
  // 3 + 5 + 2 + 28 + 1 float32 = 39 floats, then 6 float64, then 6 float32:
  // ceil(39 / 4) + ceil(6 / 2) + ceil(6 / 4) = 10 + 3 + 2 buckets.
  CHECK(s.buckets == 15);
  CHECK(s.bytes == 39 * 4 + 6 * 8 + 6 * 4);
}

TEST_CASE("mpi: all_reduce_buckets_ Sum and Mean equal the hand-computed values for any bucket size", "[mpi]") {
  RILL_MPI_WORLD(comm);
  const int P = comm->size();
  const double sum_scale = P * (P + 1) / 2.0;  // 1 + 2 + ... + P
  // 8 bytes: two float32 or one float64 per bucket (smaller than every tensor but the
  // scalar); 20 and 28: buckets that split tensors unevenly; 1 MiB: one bucket per run of a dtype.
  for (int64_t bytes : {8, 20, 28, 1 << 20}) {
    for (auto op : {distributed::ReduceOp::Sum, distributed::ReduceOp::Mean}) {
      INFO("bucket_bytes " << bytes << ", " << (op == distributed::ReduceOp::Sum ? "Sum" : "Mean"));
      const std::vector<Tensor> t = rank_tensors(comm->rank());
      std::vector<void*> storage;
      for (const Tensor& x : t) storage.push_back(x.numel() ? x.raw_data() : nullptr);
      distributed::all_reduce_buckets_(*comm, t, op, bytes);
      for (size_t k = 0; k < t.size(); ++k) {
        INFO("tensor " << k);
        const double scale = op == distributed::ReduceOp::Sum ? sum_scale : sum_scale / P;
        std::vector<double> expected = values(dyadic(t[k].shape(), DType::Float64, scale));
        if (t[k].dtype() == DType::Float32)
          for (double& v : expected) v = static_cast<float>(v);
        CHECK(t[k].dtype() == rank_tensors(0)[k].dtype());
        require_close(t[k], expected, 0);
        if (t[k].numel()) CHECK(t[k].raw_data() == storage[k]);  // in place: the same memory
      }
    }
  }
}

TEST_CASE("mpi: broadcast_buckets_ gives every rank the root's tensors", "[mpi]") {
  RILL_MPI_WORLD(comm);
  const int root = comm->size() - 1;
  const std::vector<Tensor> t = rank_tensors(comm->rank());
  const distributed::BucketStats s = distributed::broadcast_buckets_(*comm, t, root, 12);
  for (size_t k = 0; k < t.size(); ++k) require_close(t[k], values(rank_tensors(root)[k]), 0);
  CHECK(s.bytes == 39 * 4 + 6 * 8 + 6 * 4);
  CHECK(s.buckets == 13 + 6 + 2);  // 12 bytes: 3 float32 or 1 float64 per bucket
}

TEST_CASE("mpi: all_reduce_buckets_ with different tensor lists on the ranks fails on every rank", "[mpi]") {
  RILL_MPI_WORLD(comm);
  // Rank 0 has one element more: the buckets' shapes differ and the agreement refuses it.
  const std::vector<Tensor> t = {zeros({comm->rank() == 0 ? 5 : 4})};
  CHECK_THROWS_WITH(distributed::all_reduce_buckets_(*comm, t, distributed::ReduceOp::Mean),
                    Catch::Contains("the ranks made different calls"));
}
