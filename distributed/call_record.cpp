#include "distributed/call_record.h"

#include <algorithm>

namespace rill::distributed {

std::string_view reduce_op_name(ReduceOp op) { return op == ReduceOp::Sum ? "Sum" : "Mean"; }

std::string_view collective_name(Collective c) {
  switch (c) {
    case Collective::AllReduce:
      return "all_reduce_";
    case Collective::Broadcast:
      return "broadcast_";
    case Collective::AllGather:
      return "all_gather";
    case Collective::Barrier:
      return "barrier";
  }
  return "?";
}

CallRecord CallRecord::of(Collective c, const Tensor& x, int64_t argument) {
  CallRecord r;
  r.fields[0] = static_cast<int64_t>(c);
  r.fields[1] = static_cast<int64_t>(x.dtype());
  r.fields[2] = argument;
  r.fields[3] = x.dim();
  r.fields[4] = x.numel();
  for (int64_t d = 0; d < std::min<int64_t>(x.dim(), kSizes); ++d) r.fields[5 + d] = x.size(d);
  return r;
}

CallRecord CallRecord::barrier() {
  CallRecord r;
  r.fields[0] = static_cast<int64_t>(Collective::Barrier);
  r.fields[1] = -1;
  return r;
}

std::string CallRecord::describe() const {
  const auto c = static_cast<Collective>(fields[0]);
  if (fields[0] < 0 || fields[0] > static_cast<int64_t>(Collective::Barrier))
    return fmt::format("an unknown call (code {})", fields[0]);
  if (c == Collective::Barrier) return "barrier()";
  Shape shape(fields.begin() + 5, fields.begin() + 5 + std::min<int64_t>(fields[3], kSizes));
  std::string dims = fmt::format("{}", fmt::join(shape, ", "));
  if (fields[3] > kSizes) dims += fmt::format(", ... ({} axes, {} elements)", fields[3], fields[4]);
  const std::string tensor = fmt::format("{} [{}]", static_cast<DType>(fields[1]), dims);
  switch (c) {
    case Collective::AllReduce:
      return fmt::format("all_reduce_({}, {})", tensor, reduce_op_name(static_cast<ReduceOp>(fields[2])));
    case Collective::Broadcast:
      return fmt::format("broadcast_({}, root {})", tensor, fields[2]);
    default:
      return fmt::format("{}({})", collective_name(c), tensor);
  }
}

void check_records_agree(std::string_view op, const std::vector<CallRecord>& records) {
  if (std::all_of(records.begin(), records.end(), [&](const CallRecord& r) { return r == records[0]; })) return;
  // Group the ranks by the call they made, in order of first appearance.
  std::vector<std::pair<CallRecord, std::vector<int>>> calls;
  for (int rank = 0; rank < static_cast<int>(records.size()); ++rank) {
    auto it = std::find_if(calls.begin(), calls.end(), [&](const auto& c) { return c.first == records[rank]; });
    if (it == calls.end())
      calls.push_back({records[rank], {rank}});
    else
      it->second.push_back(rank);
  }
  std::vector<std::string> parts;
  for (const auto& [record, ranks] : calls)
    parts.push_back(
        fmt::format("{} {}: {}", ranks.size() == 1 ? "rank" : "ranks", fmt::join(ranks, ", "), record.describe()));
  throw Error(
      fmt::format("{}: the ranks made different calls: {}. Every rank must make the same collective calls, in the same "
                  "order, with tensors of the same dtype and shape, the same op and root",
                  op, fmt::join(parts, "; ")));
}

}  // namespace rill::distributed
