#include "paths.h"

#include <stdexcept>
#include <utility>

namespace rill::test {

const char* source_dir() { return RILL_SOURCE_DIR; }

std::string program(const std::string& name) {
  static const std::pair<const char*, const char*> programs[] = {{"toy2d", TOY2D_BIN},
                                                                 {"image_flow", IMAGE_FLOW_BIN},
                                                                 {"judge", JUDGE_BIN},
                                                                 {"fm_targets", FM_TARGETS_BIN},
                                                                 {"fm_marginal", FM_MARGINAL_BIN},
                                                                 {"fm_straight", FM_STRAIGHT_BIN},
                                                                 {"fm_diffusion", FM_DIFFUSION_BIN},
                                                                 {"fm_likelihood", FM_LIKELIHOOD_BIN},
                                                                 {"fm_minimal", FM_MINIMAL_BIN},
                                                                 {"tour", TOUR_BIN}};
  for (const auto& [program_name, path] : programs)
    if (name == program_name) return path;
  throw std::invalid_argument("rill::test::program: no example program named " + name);
}

}  // namespace rill::test
