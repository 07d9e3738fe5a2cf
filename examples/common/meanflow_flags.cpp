#include "examples/common/meanflow_flags.h"

#include "examples/common/flags.h"

namespace rill::examples {

void add_method_flags(CLI::App& app, MethodFlags& f) {
  app.add_option("--method", f.method,
                 "cfm: learn the velocity and solve the ODE; meanflow: learn the average velocity and jump in --nfe "
                 "steps (default 1: one step; flowmatch/meanflow.h)")
      ->capture_default_str()
      ->check(one_of({"cfm", "meanflow"}));
  app.add_option("--mf-fraction", f.mf_fraction, "meanflow: fraction of training rows with r != t")
      ->capture_default_str()
      ->check(in_closed(0, 1));
  app.add_option("--mf-power", f.mf_power, "meanflow: power p of the adaptive loss weight 1/(|delta|^2 + c)^p")
      ->capture_default_str()
      ->check(at_least(0));
  app.add_option("--mf-time", f.mf_time,
                 "meanflow: time sampler (logit-normal: the paper's, mean 0.4 in rill's direction of time)")
      ->capture_default_str()
      ->check(one_of({"logit-normal", "uniform"}));
}

Json method_json(const MethodFlags& f) {
  return {{"method", f.method}, {"mf_fraction", f.mf_fraction}, {"mf_power", f.mf_power}, {"mf_time", f.mf_time}};
}

flowmatch::MeanFlowOptions meanflow_options(const std::string& program, const MethodFlags& f, const std::string& path,
                                            std::shared_ptr<flowmatch::Coupling> coupling, int processes) {
  RILL_CHECK(path == "ot" || path == "independent",
             "{}: --method meanflow trains on the straight path with independent or ot pairs; got --path {}", program,
             path);
  RILL_CHECK(processes == 1, "{}: --method meanflow runs in one process (got {} under mpirun)", program, processes);
  flowmatch::MeanFlowOptions mf;  // the paper's choices (flowmatch/meanflow.h) where the flags say nothing
  mf.coupling = std::move(coupling);
  mf.interval_fraction = f.mf_fraction, mf.weight_power = f.mf_power;
  if (f.mf_time == "uniform") mf.time = flowmatch::TimeSampler::uniform();
  return mf;
}

}  // namespace rill::examples
