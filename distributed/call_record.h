// rill distributed — what a rank says about the collective it is entering, so that all
// ranks can check they are making the same call before any data moves (communicator.h).
//
// A record is 16 int64 (128 bytes), the same layout on every rank, so that one
// all-gather of records gives every rank every other rank's call:
//
//   [0] collective   AllReduce | Broadcast | AllGather | Barrier
//   [1] dtype        DType as a number; -1 for barrier
//   [2] argument     the ReduceOp of all_reduce_, the root of broadcast_, else 0
//   [3] ndim
//   [4] numel
//   [5..15] sizes    the first 11 sizes of the shape (with more axes, the rest are
//                    not compared one by one, but numel still is)
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tensor/tensor.h"

namespace rill::distributed {

// How all_reduce_ combines the ranks' tensors. Not rill::ReduceOp (the tensor backend's
// reductions along an axis): with `using namespace rill`, write distributed::ReduceOp.
enum class ReduceOp { Sum, Mean };
std::string_view reduce_op_name(ReduceOp op);  // "Sum", "Mean"

enum class Collective { AllReduce, Broadcast, AllGather, Barrier };
std::string_view collective_name(Collective c);  // "all_reduce_", "broadcast_", ...

struct CallRecord {
  static constexpr int kFields = 16;
  static constexpr int kSizes = kFields - 5;
  std::array<int64_t, kFields> fields{};

  // The record of `c` on tensor x (argument: the ReduceOp or the root), or of a barrier.
  static CallRecord of(Collective c, const Tensor& x, int64_t argument);
  static CallRecord barrier();

  bool operator==(const CallRecord&) const = default;
  // "all_reduce_(float32 [1024], Sum)", "broadcast_(int64 [3], root 1)", "barrier()"
  std::string describe() const;
};

// Throws rill::Error when the records differ, naming the op this rank called and each
// distinct call with the ranks that made it, e.g.
//   "all_gather: the ranks made different calls: ranks 0, 2: all_gather(float64 [1, 3]);
//    rank 1: all_gather(float64 [2, 3]). Every rank must make the same collective calls,
//    in the same order, with tensors of the same dtype and shape, the same op and root"
// Every rank holds the same records, so every rank throws the same error.
void check_records_agree(std::string_view op, const std::vector<CallRecord>& records);

}  // namespace rill::distributed
