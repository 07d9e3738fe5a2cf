// rill flowmatch — the named CFM methods, as the example programs' --path flag spells them.
//
//   independent  I-CFM: independent pairs, straight-line path with noise sigma
//                (Tong et al. 2024, Sec. 3.2.2; Lipman et al. 2023 with sigma_min -> sigma)
//   ot           OT-CFM: pairs from exact minibatch optimal transport, same path (Tong et al. 2024, Sec. 3.2.3);
//                class-aware (pairs only within a class) for a conditional model
//   target       the path of Lipman et al. 2023, eq. 20, shrinking to sigma_min (default 1e-4) at the data
//   sb           SB-CFM: entropic OT pairs (Sinkhorn, epsilon = 2 sigma^2) and a Brownian-bridge path
//                (Tong et al. 2024, Sec. 3.2.4), sigma default 0.5
//   vp           the variance-preserving diffusion path with the cosine schedule (schedule.h)
//
// One place for the mapping, so every program accepts the same names with the same meaning.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "flowmatch/coupling.h"
#include "flowmatch/path.h"

namespace rill::flowmatch {

struct Method {
  std::shared_ptr<ProbabilityPath> path;
  std::shared_ptr<Coupling> coupling;
};

// independent, ot, target, sb, vp
const std::vector<std::string>& method_names();
// The path and coupling a name stands for; sigma <= 0 picks the method's default noise.
// Throws for an unknown name (the message lists method_names()).
Method method_by_name(const std::string& name, double sigma = 0.0, bool class_aware = false);

}  // namespace rill::flowmatch
