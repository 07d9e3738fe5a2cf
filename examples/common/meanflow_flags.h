// rill examples — --method cfm|meanflow and MeanFlow's flags, shared by toy2d and image_flow.
//
//   --method meanflow     learn the average velocity u(t, r, x) (flowmatch/meanflow.h) and
//                         sample by --nfe jumps (default 1: one step) instead of solving the ODE
//   --mf-fraction F       fraction of training rows with r != t (the paper's 0.25)
//   --mf-power P          power of the adaptive loss weight 1 / (||delta||^2 + c)^P
//   --mf-time NAME        time sampler: logit-normal (the paper's) or uniform
// A program passes its own defaults (toy2d's were chosen by measurement on moons and differ
// from the paper's; docs/flow-matching.md, "one step").
#pragma once

#include <memory>
#include <string>

#include "examples/common/run_dir.h"
#include "flowmatch/coupling.h"
#include "flowmatch/meanflow.h"
#include <CLI/CLI.hpp>

namespace rill::examples {

struct MethodFlags {
  std::string method = "cfm";  // cfm or meanflow
  double mf_fraction = 0.25, mf_power = 1.0;
  std::string mf_time = "logit-normal";
  bool meanflow() const { return method == "meanflow"; }
};

// Declares --method, --mf-fraction, --mf-power and --mf-time with `flags` as the defaults.
void add_method_flags(CLI::App& app, MethodFlags& flags);

// The config.json entries of these flags.
Json method_json(const MethodFlags& flags);

// MeanFlow's options from the flags, pairs by `coupling`. Throws, naming `program`, when
// MeanFlow cannot run as asked: on a path other than the straight one (--path ot or
// independent) or on several processes (its loss is not sharded yet).
flowmatch::MeanFlowOptions meanflow_options(const std::string& program, const MethodFlags& flags,
                                            const std::string& path, std::shared_ptr<flowmatch::Coupling> coupling,
                                            int processes);

}  // namespace rill::examples
