// rill CUDA — the public face of the CUDA backend: is there a GPU, memory
// statistics, TF32, synchronisation. Everything else is reached through tensors on
// Device::cuda() (see cuda_backend.h for how the backend plugs in).
#pragma once

#include <cstddef>
#include <string>

namespace rill::cuda {

// Number of usable CUDA devices; 0 when there is no GPU or no driver (never throws).
int device_count();
// "NVIDIA H200 (sm_90, 139 GiB)" for device i, or why there is none.
std::string device_description(int index);

// Statistics of the caching device allocator (allocator.h).
struct MemoryStats {
  size_t allocated_bytes = 0;       // handed out to tensors and not yet freed
  size_t cached_bytes = 0;          // freed by tensors, kept for reuse
  size_t peak_allocated_bytes = 0;  // the most allocated_bytes has been since the last reset
  size_t cuda_malloc_calls = 0;     // requests that needed a fresh cudaMalloc
  size_t reuses = 0;                // requests served from the cache
};
MemoryStats memory_stats();
// Starts peak_allocated_bytes afresh from the current allocated_bytes.
void reset_peak_memory_stats();
// Gives every cached block back to the driver (cudaFree).
void empty_cache();

// TF32 tensor-core GEMMs for float32 matmul: about 8x the FLOPs on A100/H100, with a
// 10-bit mantissa for the products (sums stay float32). Off by default, because it
// changes results at the 1e-3 level; PyTorch's torch.backends.cuda.matmul.allow_tf32.
// Safe to call from any thread (an atomic flag); it applies to matmuls issued after it.
void set_allow_tf32(bool allow);
bool allow_tf32();

// Waits until every kernel and copy issued so far has finished (for timing).
void synchronize();

}  // namespace rill::cuda
