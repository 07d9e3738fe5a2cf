// rill — a block of device memory shared by a tensor and all its views.
//
// Storage owns `nbytes` bytes on one device, allocated and freed through that
// device's backend. Tensors hold it by shared_ptr: a view (reshape, slice,
// transpose, ...) is a new Tensor pointing at the same Storage with other
// shape/strides/offset, so views never copy.
#pragma once

#include <cstddef>
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

 private:
  void* data_ = nullptr;
  size_t nbytes_ = 0;
  Device device_;
};

}  // namespace rill
