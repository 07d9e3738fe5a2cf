// rill flowmatch — one process's share of a CFM batch, for data-parallel training.
//
// P processes train one model; the global batch has B rows (B divisible by P) and
// process r ("rank") computes the loss and gradient of rows
//     [r B/P, (r + 1) B/P)                                           (its shard)
// Averaging the P gradients (each the mean over B/P rows) gives the gradient of the
// mean over all B rows: the step one process would take on the whole batch.
//
// Random streams. For N processes to train the SAME model as one process, every random
// number of the batch must be the one a single process draws. So every rank draws the
// whole global batch's randomness, with the same generator from the same seed, and keeps
// its rows: the source noise x0 [B, ...] and the data x1 (the caller's, e.g. batch `step`
// of the step-indexed loader, the same on every rank), the coupling (Sinkhorn's draws),
// the times t [B], the path's noise eps [B, ...] and the label dropout [B]. The
// generators then stay identical on every rank, so a checkpoint needs only one (rank
// 0's) and a run can resume on any number of processes. The price: each rank builds the
// whole batch (draws, pairing, x_t, u_t), not just its share. Next to the network's
// forward and backward on its rows this is small for the U-Net (about 9 ms of a 0.52 s
// one-process step at B = 64, bench_data_parallel), but it is the part of a step that
// does not shrink with P, and with exact OT on large batches (O(B^3)) it dominates:
// toy2d's 256-point assignment is most of its step. Dropout inside the network (nn::Dropout, e.g. UNetConfig.dropout,
// off by default) is NOT covered: it draws from the default generator on each rank's
// own rows, so with it N processes train a model that differs from one process's by
// their dropout masks (still a correct data-parallel run).
//
// Where the pairs come from, OTScope:
//   Global  the coupling pairs the whole global batch (one OT problem of B x B, class-aware
//           when the coupling is), then each rank keeps its rows of the pairs. No
//           gather is needed: every rank already holds the global x0 and x1, so each
//           solves the same problem and gets the same pairs (the assignment is
//           deterministic). The pairs, and so the model, are those of one process.
//   Local   the pairing of torchcfm's multi-GPU training: OT within each rank's slice
//           only, P problems of (B/P) x (B/P); rank r's rows are paired among
//           themselves. The coupling then depends on P (less straight paths as P grows).
//           Every rank solves all P blocks (together 1/P^2 of a global solve's
//           B^3 work) so that a coupling that draws random numbers (Sinkhorn) draws the
//           same ones on every rank; it keeps only its own block.
// With P = 1 both scopes are cfm_batch exactly.
#pragma once

#include <string>
#include <vector>

#include "flowmatch/cfm.h"

namespace rill::flowmatch {

enum class OTScope { Global, Local };
OTScope ot_scope_by_name(const std::string& name);  // "global" or "local"
std::string ot_scope_name(OTScope scope);
const std::vector<std::string>& ot_scope_names();

// The shard of rank `index` among `count`: rows [index * B / count, (index + 1) * B / count).
struct Shard {
  int64_t index = 0, count = 1;
  // Throws unless B is divisible by count, naming `what` (e.g. "--batch"), B and count.
  void check_batch(int64_t batch, const std::string& what = "batch") const;
  int64_t rows(int64_t batch) const { return batch / count; }
  int64_t first_row(int64_t batch) const { return index * (batch / count); }
};

// Pairs x0 [B, ...] with x1 [B, ...] in `blocks` consecutive blocks of B / blocks rows,
// each block by the coupling on its own (labels [B] or undefined). The result is
// indexed globally: i0, i1 [B] are row numbers of the whole x0, x1. blocks = 1: the
// coupling's own pairing.
Pairing pair_in_blocks(const Coupling& coupling, const Tensor& x0, const Tensor& x1, int64_t blocks,
                       Generator* gen = nullptr, const Tensor& labels = {});

// The rows of `shard` of the global CFM batch built from x0, x1 [B, ...] (and labels
// [B]), as described above; draws from gen exactly what cfm_batch draws for the whole
// batch, in the same order. With Shard{0, 1} it is cfm_batch(options, x0, x1, gen, labels).
CFMBatch cfm_batch_shard(const CFMOptions& options, const Tensor& x0, const Tensor& x1, Shard shard, OTScope scope,
                         Generator* gen = nullptr, const Tensor& labels = {});
// The CFM loss on those rows: mean((v - u)^2) over this shard.
Tensor cfm_loss_shard(const Model& model, const CFMOptions& options, const Tensor& x0, const Tensor& x1, Shard shard,
                      OTScope scope, Generator* gen = nullptr, const Tensor& labels = {});

}  // namespace rill::flowmatch
