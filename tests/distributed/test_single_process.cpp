// The single-process communicator (P = 1), without any launcher: collectives keep the
// values, and the base class's checks give the messages every implementation gives.
#include "distributed/single_process.h"
#include "tests/distributed/dist_helpers.h"

using namespace rill;
using namespace rill::test;
using distributed::SingleProcessCommunicator;

TEST_CASE("single-process: rank 0 of 1, collectives keep the values", "[distributed]") {
  SingleProcessCommunicator comm;
  CHECK(comm.rank() == 0);
  CHECK(comm.size() == 1);
  CHECK(comm.name() == "single-process");
  for (DType dtype : {DType::Float32, DType::Float64, DType::Int64}) {
    INFO(dtype_name(dtype));
    const Tensor expected = dyadic({3, 4}, dtype, 100);
    const Tensor x = ops::clone(expected);
    comm.all_reduce_(x, distributed::ReduceOp::Sum);
    require_close(x, expected, 0);
    if (is_floating(dtype)) {
      comm.all_reduce_(x, distributed::ReduceOp::Mean);
      require_close(x, expected, 0);
    }
    comm.broadcast_(x, 0);
    require_close(x, expected, 0);
  }
  comm.barrier();
}

TEST_CASE("single-process: all_gather adds a leading axis of size 1 and copies", "[distributed]") {
  SingleProcessCommunicator comm;
  const Tensor x = dyadic({2, 3});
  const Tensor out = comm.all_gather(x);
  CHECK(out.shape() == Shape{1, 2, 3});
  require_close(out, values(x), 0);
  ops::fill_(out, 5);  // a copy: x does not change
  require_close(x, values(dyadic({2, 3})), 0);
  // 0-d -> [1]; non-contiguous (a transposed view) -> its values in row-major order.
  CHECK(comm.all_gather(scalar_tensor(7, DType::Int64)).shape() == Shape{1});
  const Tensor t = ops::transpose(dyadic({2, 3}), 0, 1);
  const Tensor gathered = comm.all_gather(t);
  CHECK(gathered.shape() == Shape{1, 3, 2});
  require_close(gathered, values(t), 0);
  CHECK(comm.all_gather(zeros({0, 3})).shape() == Shape{1, 0, 3});
}

TEST_CASE("single-process: in-place collectives on views change only the view", "[distributed]") {
  SingleProcessCommunicator comm;
  const Tensor base = dyadic({10});
  const Tensor every_other = ops::slice(base, 0, 0, 10, 2);
  comm.all_reduce_(every_other, distributed::ReduceOp::Mean);
  comm.broadcast_(ops::transpose(ops::reshape(base, {2, 5}), 0, 1), 0);
  require_close(base, values(dyadic({10})), 0);
}

TEST_CASE("single-process: errors name the op, the tensor and what is wrong", "[distributed]") {
  SingleProcessCommunicator comm;
  REQUIRE_ERROR(comm.all_reduce_(Tensor()), "all_reduce_: undefined tensor");
  REQUIRE_ERROR(comm.all_gather(Tensor()), "all_gather: undefined tensor");
  REQUIRE_ERROR(
      comm.all_reduce_(ones({2, 3}, DType::Int64), distributed::ReduceOp::Mean),
      "all_reduce_: distributed::ReduceOp::Mean needs a floating dtype (float32 or float64), got int64 [2, 3]");
  REQUIRE_ERROR(comm.broadcast_(ones({2}), 1),
                "broadcast_: root 1 is not a rank of this single-process communicator (ranks 0..0)");
  REQUIRE_ERROR(comm.broadcast_(ones({2}), -1), "root -1 is not a rank");
  const Tensor expanded = ops::expand(ones({1, 3}), {4, 3});
  REQUIRE_ERROR(comm.all_reduce_(expanded),
                "all_reduce_: the float32 tensor [4, 3] has overlapping elements (stride 0 along axis 0");
  REQUIRE_ERROR(comm.broadcast_(expanded, 0), "broadcast_: the float32 tensor [4, 3] has overlapping elements");
  // all_gather only reads: an expanded view is fine.
  CHECK(comm.all_gather(expanded).shape() == Shape{1, 4, 3});
}
