#include "autograd/saved.h"

#include "autograd/node.h"

namespace rill {

SavedTensor save_for_backward(const Tensor& t) {
  SavedTensor s;
  if (!t.defined()) return s;
  s.tensor_ = detach(t);
  s.version_ = t.version();
  return s;
}

const Tensor& SavedTensor::unpack(const Node& node, const char* which) const {
  // A version that moved means some in-place op wrote into this memory (through this
  // tensor or any view of its storage) after the forward pass read it.
  RILL_CHECK(!tensor_.defined() || tensor_.version() == version_,
             "backward: {} needs {} (saved at version {}) but it was modified in place (now version {}); an "
             "in-place op (fill_, copy_, an optimizer step, load_state_dict, ...) changed it after the forward pass",
             node.name(), which, version_, tensor_.version());
  return tensor_;
}

}  // namespace rill
