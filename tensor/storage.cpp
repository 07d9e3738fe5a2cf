#include "tensor/storage.h"

#include "tensor/backend.h"

namespace rill {

Storage::Storage(size_t nbytes, Device device) : nbytes_(nbytes), device_(device) {
  data_ = backend(device).allocate(nbytes);
}

Storage::~Storage() { backend(device_).deallocate(data_, nbytes_); }

}  // namespace rill
