// The MPI communicator's collectives against values computed by hand. Run by ctest as
// `mpiexec -n 2` and `-n 3` (see dist_helpers.h); rank r contributes (r + 1) times a
// pattern of exact values k / 64, so sums and means are exact in any reduction order.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/distributed/dist_helpers.h"

using namespace rill;
using namespace rill::test;

namespace {

// 1 + 2 + ... + P
double triangle(int p) { return p * (p + 1) / 2.0; }

}  // namespace

TEST_CASE("mpi: rank and size come from the launcher, all_gather orders by rank", "[mpi]") {
  RILL_MPI_WORLD(comm);
  CHECK(comm->name() == "mpi");
  CHECK(comm->size() == distributed::launcher_size());
  const Tensor ranks = comm->all_gather(scalar_tensor(comm->rank(), DType::Int64));
  CHECK(ranks.shape() == Shape{comm->size()});
  std::vector<double> expected;
  for (int r = 0; r < comm->size(); ++r) expected.push_back(r);
  require_close(ranks, expected, 0);
}

TEST_CASE("mpi: all_reduce_ Sum and Mean are exact in float32 and float64", "[mpi]") {
  RILL_MPI_WORLD(comm);
  const int P = comm->size();
  for (DType dtype : {DType::Float64, DType::Float32}) {
    INFO(dtype_name(dtype));
    const Tensor x = dyadic({5, 7}, dtype, comm->rank() + 1);
    comm->all_reduce_(x, distributed::ReduceOp::Sum);
    CHECK(x.dtype() == dtype);
    require_close(x, values(dyadic({5, 7}, DType::Float64, triangle(P))), 0);

    const Tensor m = dyadic({5, 7}, dtype, comm->rank() + 1);
    comm->all_reduce_(m, distributed::ReduceOp::Mean);
    std::vector<double> mean = values(dyadic({5, 7}, DType::Float64, triangle(P)));
    for (double& v : mean) v /= P;  // the reference's own sum / P, rounded to the dtype below
    if (dtype == DType::Float32)
      for (double& v : mean) v = static_cast<float>(v);
    require_close(m, mean, 0);
  }
}

TEST_CASE("mpi: all_reduce_ on int64 keeps every bit (no trip through double)", "[mpi]") {
  RILL_MPI_WORLD(comm);
  const int64_t big = (int64_t{1} << 53) + 1;  // not a double
  const Tensor x = tensor(std::vector<int64_t>{big + comm->rank(), -3 * comm->rank(), 7}, {3});
  comm->all_reduce_(x);
  const int64_t P = comm->size();
  const std::vector<int64_t> got = x.to_vector<int64_t>();
  CHECK(got[0] == P * big + P * (P - 1) / 2);
  CHECK(got[1] == -3 * P * (P - 1) / 2);
  CHECK(got[2] == 7 * P);
}

TEST_CASE("mpi: all_reduce_ of a large contiguous buffer, in place, identical on every rank", "[mpi]") {
  RILL_MPI_WORLD(comm);
  // 4M float32 (16 MB, a large gradient bucket): values i mod 97 - 48 times (r + 1), exact.
  const int64_t n = int64_t{1} << 22;
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = static_cast<float>((i % 97 - 48) * (comm->rank() + 1));
  const Tensor x = tensor(v, {n});
  void* before = x.raw_data();
  comm->all_reduce_(x);
  CHECK(x.raw_data() == before);
  const std::vector<float> got = x.to_vector<float>();
  int64_t wrong = 0;
  for (int64_t i = 0; i < n; ++i) wrong += got[i] != static_cast<float>((i % 97 - 48) * triangle(comm->size()));
  CHECK(wrong == 0);

  // Inexact float32 values: the sum's rounding depends on the order of the additions;
  // every rank must still end with the same bits (else replicas of a model drift apart).
  const Tensor y = ops::add(ops::mul(pattern({100000}, DType::Float32), comm->rank() + 1.0), 0.1 * comm->rank());
  comm->all_reduce_(y);
  const std::vector<float> rows = comm->all_gather(y).to_vector<float>();
  int64_t differing = 0;
  for (int r = 1; r < comm->size(); ++r)
    for (int64_t i = 0; i < 100000; ++i) differing += rows[r * 100000 + i] != rows[i];
  CHECK(differing == 0);
}

TEST_CASE("mpi: all_reduce_ on non-contiguous views changes the view only", "[mpi]") {
  RILL_MPI_WORLD(comm);
  const double t = triangle(comm->size());
  const Tensor base = dyadic({10}, DType::Float64, comm->rank() + 1);
  comm->all_reduce_(ops::slice(base, 0, 1, 10, 3));  // elements 1, 4, 7
  std::vector<double> expected = values(dyadic({10}, DType::Float64, comm->rank() + 1));
  const std::vector<double> summed = values(dyadic({10}, DType::Float64, t));
  for (int i : {1, 4, 7}) expected[i] = summed[i];
  require_close(base, expected, 0);

  const Tensor m = dyadic({4, 6}, DType::Float64, comm->rank() + 1);
  comm->all_reduce_(ops::transpose(m, 0, 1));
  require_close(m, values(dyadic({4, 6}, DType::Float64, t)), 0);
}

TEST_CASE("mpi: broadcast_ from the last rank, for every dtype and into a view", "[mpi]") {
  RILL_MPI_WORLD(comm);
  const int root = comm->size() - 1;  // a non-zero root when P > 1
  for (DType dtype : {DType::Float32, DType::Float64, DType::Int64}) {
    INFO(dtype_name(dtype));
    const Tensor x = dyadic({3, 5}, dtype, comm->rank() == root ? 64 : -1);
    comm->broadcast_(x, root);
    require_close(x, values(dyadic({3, 5}, dtype, 64)), 0);
  }
  const Tensor base = full({4, 4}, comm->rank());
  comm->broadcast_(ops::select(base, 1, 2), root);  // column 2, stride 4
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) CHECK(base.at({i, j}) == (j == 2 ? root : comm->rank()));
}

TEST_CASE("mpi: all_gather stacks the ranks' tensors along a new first axis", "[mpi]") {
  RILL_MPI_WORLD(comm);
  const int P = comm->size();
  for (DType dtype : {DType::Float32, DType::Float64, DType::Int64}) {
    INFO(dtype_name(dtype));
    // rank r: [2, 3] with values 100 r + i
    const Tensor x = ops::to(ops::reshape(arange(100.0 * comm->rank(), 100.0 * comm->rank() + 6), {2, 3}), dtype);
    const Tensor out = comm->all_gather(x);
    CHECK(out.shape() == Shape{P, 2, 3});
    CHECK(out.dtype() == dtype);
    std::vector<double> expected;
    for (int r = 0; r < P; ++r)
      for (int i = 0; i < 6; ++i) expected.push_back(100.0 * r + i);
    require_close(out, expected, 0);
    // The concatenation along the first axis, [P * 2, 3], is a view of the same result.
    CHECK(ops::flatten(out, 0, 1).shape() == Shape{P * 2, 3});
  }
  // A transposed view gathers its values in row-major order of the view.
  const Tensor t = ops::transpose(dyadic({2, 3}, DType::Float64, comm->rank() + 1), 0, 1);
  const Tensor out = comm->all_gather(t);
  CHECK(out.shape() == Shape{P, 3, 2});
  for (int r = 0; r < P; ++r)
    require_close(ops::select(out, 0, r), values(ops::transpose(dyadic({2, 3}, DType::Float64, r + 1), 0, 1)), 0);
  CHECK(comm->all_gather(zeros({0, 3})).shape() == Shape{P, 0, 3});
}

TEST_CASE("mpi: barrier: what rank 0 wrote before it, every rank sees after it", "[mpi]") {
  RILL_MPI_WORLD(comm);
  // Rank 0 names a file (by its process id, broadcast) and writes it late, after 200 ms.
  const Tensor pid = scalar_tensor(static_cast<double>(::getpid()), DType::Int64);
  comm->broadcast_(pid, 0);
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / fmt::format("rill_barrier_{}", pid.item<int64_t>());
  const auto start = std::chrono::steady_clock::now();
  if (comm->rank() == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::ofstream(file) << "written before the barrier\n";
  }
  comm->barrier();
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(std::filesystem::exists(file));
  CHECK(waited > 0.1);  // every rank waited for rank 0's sleep (with slack for the clocks' starts)
  comm->barrier();      // everyone has looked before rank 0 removes it
  if (comm->rank() == 0) std::filesystem::remove(file);
}

TEST_CASE("mpi: local_rank counts the ranks on this host", "[mpi]") {
  RILL_MPI_WORLD(comm);
  const distributed::LocalRank local = distributed::local_rank(*comm);
  // ctest starts every rank on this machine.
  CHECK(local.rank == comm->rank());
  CHECK(local.size == comm->size());
  if (const char* l = std::getenv("OMPI_COMM_WORLD_LOCAL_RANK")) CHECK(local.rank == std::atoi(l));
}
