#include "autograd/grad_mode.h"

namespace rill {
namespace {
thread_local bool grad_enabled = true;
}

bool is_grad_enabled() { return grad_enabled; }

no_grad::no_grad() : previous_(grad_enabled) { grad_enabled = false; }
no_grad::~no_grad() { grad_enabled = previous_; }

enable_grad::enable_grad() : previous_(grad_enabled) { grad_enabled = true; }
enable_grad::~enable_grad() { grad_enabled = previous_; }

}  // namespace rill
