#include "flowmatch/methods.h"

#include "flowmatch/schedule.h"
#include "tensor/error.h"

namespace rill::flowmatch {

const std::vector<std::string>& method_names() {
  static const std::vector<std::string> names = {"independent", "ot", "target", "sb", "vp"};
  return names;
}

Method method_by_name(const std::string& name, double sigma, bool class_aware) {
  if (name == "independent") return {independent_path(sigma), independent_coupling()};
  if (name == "ot") return {independent_path(sigma), class_aware ? class_ot_coupling() : exact_ot_coupling()};
  if (name == "target") return {target_path(sigma > 0 ? sigma : 1e-4), independent_coupling()};
  if (name == "sb") {
    const double s = sigma > 0 ? sigma : 0.5;
    return {schrodinger_bridge_path(s), sinkhorn_coupling(2 * s * s)};
  }
  if (name == "vp") return {affine_path(cosine_schedule()), independent_coupling()};
  throw Error(fmt::format("method_by_name: unknown method '{}' (expected {})", name, fmt::join(method_names(), ", ")));
}

}  // namespace rill::flowmatch
