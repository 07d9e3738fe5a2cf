#include "tensor/tensor.h"

#include "tensor/view.h"

namespace rill {

Tensor Tensor::empty(const Shape& shape, TensorOptions options) {
  // Checked before anything is allocated: a size that overflowed would allocate too little.
  const int64_t nbytes = checked_nbytes(shape, dtype_size(options.dtype), "empty");
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(static_cast<size_t>(nbytes), options.device);
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = options.dtype;
  return Tensor(std::move(impl));
}

Tensor Tensor::make_view(const Tensor& base, Shape shape, Strides strides, int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = base.storage();
  impl->shape = std::move(shape);
  impl->strides = std::move(strides);
  impl->offset = offset;
  impl->dtype = base.dtype();
  return Tensor(std::move(impl));
}

void Tensor::set_data(const Tensor& other) const {
  RILL_CHECK(other.defined(), "set_data: the new data is an undefined tensor");
  TensorImpl& me = impl();
  const TensorImpl& src = *other.impl_;
  // The old memory stops being this tensor's: bump it, so that what autograd saved
  // from it (still alive, but no longer this tensor's data) is refused in backward.
  // Same storage (e.g. to() the device it is already on): nothing changes, no bump.
  if (me.storage != src.storage) me.storage->bump_version();
  me.storage = src.storage;
  me.shape = src.shape;
  me.strides = src.strides;
  me.offset = src.offset;
  me.dtype = src.dtype;
}

int64_t Tensor::size(int64_t d) const {
  RILL_CHECK(dim() > 0, "size: a 0-dimensional tensor has no dimension {}", d);
  return shape()[wrap_dim("size", d, dim())];
}
int64_t Tensor::stride(int64_t d) const {
  RILL_CHECK(dim() > 0, "stride: a 0-dimensional tensor has no dimension {}", d);
  return strides()[wrap_dim("stride", d, dim())];
}

bool Tensor::is_contiguous() const {
  // Size-1 axes may carry any stride; empty tensors are trivially contiguous.
  if (numel() == 0) return true;
  int64_t expected = 1;
  for (int64_t i = dim() - 1; i >= 0; --i) {
    if (shape()[i] == 1) continue;
    if (strides()[i] != expected) return false;
    expected *= shape()[i];
  }
  return true;
}

double Tensor::item() const {
  RILL_CHECK(numel() == 1, "item: tensor of shape {} has {} elements, expected exactly 1", shape_str(shape()), numel());
  return to_vector<double>()[0];
}

double Tensor::at(const std::vector<int64_t>& index) const {
  RILL_CHECK(static_cast<int64_t>(index.size()) == dim(), "at: got {} indices for a tensor of shape {}", index.size(),
             shape_str(shape()));
  Tensor element = *this;
  for (int64_t i = dim() - 1; i >= 0; --i) element = ops::select(element, i, index[i]);
  return element.item();
}

template <typename T>
std::vector<T> Tensor::to_vector() const {
  const Tensor host = ops::contiguous(ops::to(ops::to(*this, Device::cpu()), dtype_v<T>));
  const T* p = host.data<T>();
  return std::vector<T>(p, p + host.numel());
}

template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<int64_t> Tensor::to_vector<int64_t>() const;

}  // namespace rill
