#include "flowmatch/shard.h"

#include <fmt/ranges.h>

#include "autograd/autograd.h"
#include "tensor/ops.h"

namespace rill::flowmatch {

const std::vector<std::string>& ot_scope_names() {
  static const std::vector<std::string> names = {"global", "local"};
  return names;
}

OTScope ot_scope_by_name(const std::string& name) {
  if (name == "global") return OTScope::Global;
  if (name == "local") return OTScope::Local;
  throw Error(fmt::format("ot scope: unknown '{}' (one of {})", name, fmt::join(ot_scope_names(), ", ")));
}

std::string ot_scope_name(OTScope scope) { return scope == OTScope::Global ? "global" : "local"; }

void Shard::check_batch(int64_t batch, const std::string& what) const {
  RILL_CHECK(count >= 1 && index >= 0 && index < count, "shard: rank {} is not one of {} ranks", index, count);
  RILL_CHECK(batch % count == 0,
             "{} {} is not divisible by the {} processes: it is the global batch, split into equal shards "
             "(choose a multiple of {})",
             what, batch, count, count);
}

Pairing pair_in_blocks(const Coupling& coupling, const Tensor& x0, const Tensor& x1, int64_t blocks, Generator* gen,
                       const Tensor& labels) {
  if (blocks == 1) return coupling.pair(x0, x1, gen, labels);
  const int64_t B = x1.size(0);
  Shard{0, blocks}.check_batch(B, "pair_in_blocks: batch");
  const int64_t b = B / blocks;
  // Each block paired alone; its local row numbers k become global ones, first + k.
  std::vector<int64_t> i0, i1;
  for (int64_t block = 0; block < blocks; ++block) {
    const int64_t first = block * b;
    const Pairing p = coupling.pair(ops::narrow(x0, 0, first, b), ops::narrow(x1, 0, first, b), gen,
                                    labels.defined() ? ops::narrow(labels, 0, first, b) : Tensor());
    for (int64_t k : ops::to(p.i0, Device::cpu()).to_vector<int64_t>()) i0.push_back(first + k);
    for (int64_t k : ops::to(p.i1, Device::cpu()).to_vector<int64_t>()) i1.push_back(first + k);
  }
  const Tensor t0 = ops::to(tensor(i0), x0.device()), t1 = ops::to(tensor(i1), x1.device());
  return {ops::index_select(x0, 0, t0), ops::index_select(x1, 0, t1), t0, t1};
}

CFMBatch cfm_batch_shard(const CFMOptions& o, const Tensor& x0, const Tensor& x1, Shard shard, OTScope scope,
                         Generator* gen, const Tensor& labels) {
  const int64_t B = x1.size(0);
  shard.check_batch(B);
  // 1. The pairs of the whole batch: one problem (global) or one per rank's block (local).
  const Pairing pairs = pair_in_blocks(*o.coupling, x0, x1, scope == OTScope::Global ? 1 : shard.count, gen, labels);
  // 2. Times, path noise and label dropout for all B rows, as one process draws them.
  const CFMBatch all = cfm_batch_of_pairs(o, pairs, gen, labels);
  if (shard.count == 1) return all;
  // 3. This rank's rows (contiguous copies: the network then reads plain [B/P, ...] tensors).
  const int64_t first = shard.first_row(B), n = shard.rows(B);
  const auto rows = [&](const Tensor& t) {
    return t.defined() ? ops::contiguous(ops::narrow(t, 0, first, n)) : Tensor();
  };
  return {{rows(all.sample.t), rows(all.sample.xt), rows(all.sample.ut)}, rows(all.labels)};
}

Tensor cfm_loss_shard(const Model& model, const CFMOptions& o, const Tensor& x0, const Tensor& x1, Shard shard,
                      OTScope scope, Generator* gen, const Tensor& labels) {
  const CFMBatch b = cfm_batch_shard(o, x0, x1, shard, scope, gen, labels);
  return mse_loss(model(b.sample.t, b.sample.xt, b.labels), b.sample.ut);
}

}  // namespace rill::flowmatch
