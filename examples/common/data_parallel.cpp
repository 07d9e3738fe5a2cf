#include "examples/common/data_parallel.h"

#include <algorithm>
#include <cstring>
#include <thread>

#include "autograd/autograd.h"
#include "io/safetensors.h"
#include "tensor/ops.h"
#include "tensor/threads.h"

namespace rill::examples {

DataParallel DataParallel::from_launcher(int64_t bucket_bytes) {
  return DataParallel(distributed::init(), bucket_bytes);
}

DataParallel::DataParallel(std::shared_ptr<distributed::Communicator> comm, int64_t bucket_bytes)
    : comm_(std::move(comm)), bucket_bytes_(bucket_bytes) {
  RILL_CHECK(comm_ != nullptr, "DataParallel: no communicator");
}

int DataParallel::threads_per_process(int requested) const {
  if (requested > 0 || size() == 1) return requested;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::max(1, cores / distributed::local_rank(*comm_).size);
}

namespace {

// Bytes as an int64 tensor (rill's communicators move float32, float64 and int64), the
// last element zero-padded: [ceil(n / 8)].
Tensor bytes_to_tensor(const std::string& bytes) {
  const Tensor t = zeros({static_cast<int64_t>((bytes.size() + 7) / 8)}, DType::Int64);
  std::memcpy(t.raw_data(), bytes.data(), bytes.size());
  return t;
}

// Rank 0's string on every rank: its length, then its bytes, two broadcasts.
std::string broadcast_bytes(distributed::Communicator& comm, const std::string& bytes) {
  const Tensor length = tensor(std::vector<int64_t>{static_cast<int64_t>(bytes.size())});
  comm.broadcast_(length, 0);
  const auto n = static_cast<size_t>(length.to_vector<int64_t>()[0]);
  const Tensor data =
      comm.rank() == 0 ? bytes_to_tensor(bytes) : zeros({static_cast<int64_t>((n + 7) / 8)}, DType::Int64);
  comm.broadcast_(data, 0);
  return std::string(static_cast<const char*>(data.raw_data()), n);
}

// The tensors of a state dict, in its order (they share the live tensors' storage).
void append_tensors(std::vector<Tensor>& out, const nn::StateDict& dict) {
  for (const auto& [name, t] : dict) out.push_back(t);
}

}  // namespace

void DataParallel::sync_training_state(nn::TrainingState& state, const RunDir* dir, bool load,
                                       const std::string& flag) const {
  if (size() == 1) {
    if (load) dir->load_checkpoint(state, flag);
    return;
  }
  if (load) {
    // The file's bytes, read once by rank 0, restored on every rank by the same checks.
    const std::string bytes = broadcast_bytes(*comm_, is_root() ? dir->read_checkpoint_bytes(flag) : std::string());
    const std::string name = is_root() ? dir->file("checkpoint.safetensors") : "checkpoint from rank 0";
    nn::load_checkpoint(io::safetensors::Reader::parse(bytes, name), state);
    if (is_root()) fmt::print("{}: loaded {} at step {} (on {} processes)\n", dir->program(), name, state.step, size());
    return;
  }
  std::vector<Tensor> tensors;
  append_tensors(tensors, state.model->state_dict());
  if (state.ema) append_tensors(tensors, state.ema->state_dict());
  distributed::broadcast_buckets_(*comm_, tensors, 0, bucket_bytes_);
}

double DataParallel::average_gradients(const std::vector<Tensor>& params, double local_loss) {
  const int64_t n = static_cast<int64_t>(params.size());
  if (size() == 1) return local_loss;
  // summary = [loss, has_grad_0, ..., has_grad_{n-1}], summed over the ranks.
  std::vector<double> summary(static_cast<size_t>(1 + n), 0.0);
  summary[0] = local_loss;
  for (int64_t k = 0; k < n; ++k) summary[1 + k] = grad_of(params[k]).defined() ? 1.0 : 0.0;
  const Tensor reduced = tensor(summary);
  comm_->all_reduce_(reduced, distributed::ReduceOp::Sum);
  summary = reduced.to_vector<double>();

  std::vector<Tensor> grads;
  for (int64_t k = 0; k < n; ++k) {
    if (summary[1 + k] == 0) continue;  // no rank has a gradient for it: it stays without one
    Tensor& grad = params[k].autograd_meta()->grad;
    if (!grad.defined())
      grad = zeros(params[k].shape(), params[k].options());   // another rank's rows reached it, ours did not
    if (!grad.is_contiguous()) grad = ops::contiguous(grad);  // buckets copy flat pieces
    grads.push_back(grad);
  }
  last_stats_ = distributed::all_reduce_buckets_(*comm_, grads, distributed::ReduceOp::Mean, bucket_bytes_);
  return summary[0] / size();
}

void startup_report(const std::string& program, int threads, Device device, const DataParallel& dp, int64_t batch) {
  // The programs' communicator is init()'s, MPI on CPU tensors; CUDA gradients would need
  // init_nccl's, which the programs do not wire in yet. Refused on every rank, before any work.
  RILL_CHECK(dp.size() == 1 || device.is_cpu(),
             "{}: --device {} on {} processes: training on several GPUs needs the NCCL communicator, which the "
             "programs do not use yet; train on several processes with --device cpu, or on one GPU with one process",
             program, device, dp.size());
  const int per_process = dp.threads_per_process(threads);
  if (!dp.is_root()) {
    if (per_process > 0) set_num_threads(per_process);
    return;
  }
  startup_report(program, per_process, device);
  if (dp.size() > 1)
    fmt::print("{}: {} processes ({} communicator), global batch {}: {} rows per process; rank 0 writes the files\n",
               program, dp.size(), dp.comm().name(), batch, batch / dp.size());
}

}  // namespace rill::examples
