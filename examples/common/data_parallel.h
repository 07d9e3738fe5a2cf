// rill examples — training one model on several processes (data parallelism).
//
//   mpirun -np 2 ./build/examples/toy2d ...        (or image_flow; --batch is the GLOBAL batch)
//
// Every process ("rank") holds a full replica of the model, the optimizer and the EMA.
// One step, with P ranks and a global batch of B rows:
//   1. every rank draws the whole global batch and its randomness from the same seed,
//      and keeps its B/P rows (flowmatch/shard.h: the random streams, and where the OT
//      pairs come from, --ot-scope);
//   2. forward and backward on those rows: a gradient g_r, the mean over B/P rows;
//   3. average_gradients: the loss and the gradients averaged over the ranks,
//      g = (g_0 + ... + g_{P-1}) / P, the gradient of the mean over all B rows
//      (distributed/buckets.h: in buckets, one all-reduce each);
//   4. every rank clips and steps its optimizer and EMA on the same g: the replicas stay
//      identical, bit for bit, without ever sending weights again.
// So P processes train the model one process trains with the same --batch, up to the
// rounding of float32 sums in another order (tests/distributed/test_data_parallel.cpp:
// within 1e-5 relative after a step).
//
// Rank 0 prints, and writes every file (metrics.csv, checkpoints, samples); the others
// write nothing. A checkpoint holds no per-rank state (the generators are the same on
// every rank), so a run resumes on any number of processes: rank 0 reads the file and
// broadcasts its bytes (sync_training_state).
#pragma once

#include <memory>
#include <vector>

#include "distributed/distributed.h"
#include "examples/common/run.h"
#include "examples/common/run_dir.h"
#include "flowmatch/shard.h"
#include "nn/checkpoint.h"

namespace rill::examples {

class DataParallel {
 public:
  // The communicator of this process from the way it was started (distributed::init():
  // MPI under mpirun, else one process). Collective under MPI.
  static DataParallel from_launcher(int64_t bucket_bytes = distributed::kDefaultBucketBytes);
  explicit DataParallel(std::shared_ptr<distributed::Communicator> comm,
                        int64_t bucket_bytes = distributed::kDefaultBucketBytes);

  int rank() const { return comm_->rank(); }
  int size() const { return comm_->size(); }
  bool is_root() const { return rank() == 0; }  // prints and writes files
  flowmatch::Shard shard() const { return {rank(), size()}; }
  distributed::Communicator& comm() const { return *comm_; }

  // The thread count for --threads: `requested` when > 0; with 0 ("all cores") and P
  // processes on this host, the host's cores divided among them (at least 1), so that P
  // processes do not each start a thread per core. Collective (counts the ranks per host).
  int threads_per_process(int requested) const;

  // Every rank takes rank 0's training state. Fresh (load == false): the model's
  // parameters and buffers and the EMA's weights are broadcast (they are equal anyway,
  // from the same seed, but this makes it a rule rather than a coincidence). Resumed
  // (load == true; `flag` names it in messages): rank 0 reads dir's checkpoint file and
  // broadcasts its bytes; every rank restores from those bytes with nn::load_checkpoint,
  // model, EMA, optimizer moments, generator and step: the other ranks read no file (a
  // node's disk need not hold --out). `dir` is used on rank 0 only (null elsewhere).
  // With one process this is dir->load_checkpoint (or nothing).
  void sync_training_state(nn::TrainingState& state, const RunDir* dir, bool load, const std::string& flag) const;

  // After backward on this rank's rows: every parameter's gradient becomes the mean of
  // the ranks' gradients, in place, and the mean of the ranks' losses is returned.
  // A parameter that received no gradient on a rank (undefined) gets zeros there when
  // some other rank has one, and stays undefined when no rank has (then the optimizer
  // skips it, as one process would). One small all-reduce (losses and which gradients
  // exist, [1 + parameters] float64), then the gradient buckets. Collective.
  double average_gradients(const std::vector<Tensor>& params, double local_loss);
  // What the last average_gradients moved (buckets, bytes): the benchmark reports it.
  const distributed::BucketStats& last_stats() const { return last_stats_; }

 private:
  std::shared_ptr<distributed::Communicator> comm_;
  int64_t bucket_bytes_;
  distributed::BucketStats last_stats_;
};

// startup_report (run.h) for a run on dp.size() processes: every rank sets its threads
// (dp.threads_per_process(threads)); rank 0 prints the report and, with P > 1, a line
// naming the processes, the global batch and each rank's share. Throws for a CUDA
// device on P > 1 processes (the NCCL communicator is not wired into the programs yet).
void startup_report(const std::string& program, int threads, Device device, const DataParallel& dp, int64_t batch);

}  // namespace rill::examples
