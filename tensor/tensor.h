// rill — the Tensor.
//
// A Tensor is a handle (shared pointer) to a TensorImpl:
//
//   storage   shared block of memory on one device (see storage.h)
//   shape     sizes, outermost first                 e.g. [N, C, H, W]
//   strides   elements to step along each axis       e.g. [C*H*W, H*W, W, 1]
//   offset    index of element [0, 0, ...] in storage, in elements
//   dtype     float32 | float64 | int64
//   autograd  a slot the autograd layer fills (grad, requires_grad, graph node);
//             the tensor layer only carries it and never looks inside.
//
// Element [i0, i1, ...] lives at storage[offset + sum_k i_k * strides[k]].
// Copying a Tensor copies the handle (like PyTorch): both names see the same data
// and the same autograd state. Use ops::clone for a deep copy.
//
// This header is deliberately small: the class holds metadata and element access.
// Operations are free functions: raw kernels (no gradients) in namespace rill::ops
// (tensor/ops.h); their differentiable versions live in autograd/.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tensor/device.h"
#include "tensor/dtype.h"
#include "tensor/shape.h"
#include "tensor/storage.h"

namespace rill {

// Defined by autograd/; the tensor layer only stores the pointer.
struct AutogradMeta;

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape;
  Strides strides;
  int64_t offset = 0;
  DType dtype = DType::Float32;
  std::shared_ptr<AutogradMeta> autograd;
};

// What factory functions take: zeros({2, 3}, {DType::Float64, Device::cpu()}).
struct TensorOptions {
  DType dtype = DType::Float32;
  Device device = Device::cpu();
  TensorOptions() = default;
  TensorOptions(DType d) : dtype(d) {}        // NOLINT: implicit on purpose
  TensorOptions(Device dev) : device(dev) {}  // NOLINT
  TensorOptions(DType d, Device dev) : dtype(d), device(dev) {}
};

class Tensor {
 public:
  Tensor() = default;  // undefined: defined() == false
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // A new, uninitialised, contiguous tensor.
  static Tensor empty(const Shape& shape, TensorOptions options = {});
  // A view of `base`'s storage with new geometry (no copy and no checks: callers, the
  // view ops in view.h, validate the geometry).
  static Tensor make_view(const Tensor& base, Shape shape, Strides strides, int64_t offset);

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl().shape; }
  const Strides& strides() const { return impl().strides; }
  int64_t offset() const { return impl().offset; }
  DType dtype() const { return impl().dtype; }
  Device device() const { return impl().storage->device(); }
  TensorOptions options() const { return {dtype(), device()}; }
  int64_t dim() const { return static_cast<int64_t>(impl().shape.size()); }
  int64_t size(int64_t d) const;  // negative d counts from the end
  int64_t stride(int64_t d) const;
  int64_t numel() const { return rill::numel(impl().shape); }
  size_t element_size() const { return dtype_size(dtype()); }
  bool is_contiguous() const;
  const std::shared_ptr<Storage>& storage() const { return impl().storage; }
  // True when nothing else can see this tensor's elements: this is the only handle to
  // it and no other tensor (a view) shares its storage. The autograd engine then may
  // keep the tensor itself instead of a copy.
  bool is_sole_owner() const { return impl_.use_count() == 1 && impl().storage.use_count() == 1; }

  // The version of this tensor's storage (storage.h): how many in-place writes it has
  // seen. Shared by every view of the storage.
  uint64_t version() const { return impl().storage->version(); }
  // Called once by every in-place op on its destination (see storage.h for the list).
  void bump_version() const { impl().storage->bump_version(); }

  // Typed pointer to element [0, 0, ...]; T must match dtype().
  template <typename T>
  T* data() const {
    RILL_CHECK(dtype_v<T> == dtype(), "Tensor::data: tensor has dtype {}, asked for {}", dtype(), dtype_v<T>);
    return static_cast<T*>(raw_data());
  }
  void* raw_data() const { return static_cast<char*>(impl().storage->data()) + impl().offset * element_size(); }

  // Element access for tests and small programs (CPU only, checked).
  // item(): the single element of a one-element tensor, as double.
  double item() const;
  template <typename T>
  T item() const {
    return static_cast<T>(item());
  }
  // at({i, j}): element by index (negative indices count from the end), as double.
  double at(const std::vector<int64_t>& index) const;

  // A copy of the elements in row-major order, converted to T (any device).
  template <typename T>
  std::vector<T> to_vector() const;

  // The autograd slot (see autograd/). Shared by all copies of this handle.
  std::shared_ptr<AutogradMeta>& autograd_meta() const { return impl().autograd; }

  // Makes this tensor (and every handle to it) refer to other's data: storage, shape,
  // strides, offset and dtype. Autograd state stays. (How a module moves its
  // parameters to another device or dtype without invalidating handles to them.)
  // Counts as an in-place write of the old storage (its version is bumped when the
  // storage changes): a tensor saved for backward before the move no longer holds
  // this tensor's data, so backward through it is refused.
  void set_data(const Tensor& other) const;

  // Identity: do two handles name the same tensor object?
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }

 private:
  TensorImpl& impl() const {
    RILL_CHECK(impl_ != nullptr, "Tensor: use of an undefined tensor");
    return *impl_;
  }
  std::shared_ptr<TensorImpl> impl_;
};

extern template std::vector<float> Tensor::to_vector<float>() const;
extern template std::vector<double> Tensor::to_vector<double>() const;
extern template std::vector<int64_t> Tensor::to_vector<int64_t>() const;

}  // namespace rill
