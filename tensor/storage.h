// rill — a block of device memory shared by a tensor and all its views.
//
// Storage owns `nbytes` bytes on one device, allocated and freed through that
// device's backend. Tensors hold it by shared_ptr: a view (reshape, slice,
// transpose, ...) is a new Tensor pointing at the same Storage with other
// shape/strides/offset, so views never copy.
//
// The version counter (as PyTorch's) counts the in-place writes to this memory. It
// lives here, not on the Tensor, because every view of the storage sees a write
// through any other: autograd remembers the version of each tensor it saves for
// backward and refuses to use one whose memory was written since (autograd/saved.h).
// Who bumps it: every in-place entry point of the tensor layer, once per call, where
// it checks its arguments (ops::copy_, ops::fill_, ops::adam_step_, ops::ema_update_,
// Tensor::set_data); never the backends. A kernel that writes through data<T>()
// itself (as gradcheck does) bypasses it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "tensor/device.h"

namespace rill {

class Storage {
 public:
  Storage(size_t nbytes, Device device);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }

  uint64_t version() const { return version_; }
  void bump_version() { ++version_; }

 private:
  void* data_ = nullptr;
  // Not atomic: two threads writing one storage at once would be a data race anyway.
  uint64_t version_ = 0;
  size_t nbytes_ = 0;
  Device device_;
};

}  // namespace rill
