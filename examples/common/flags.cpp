#include "examples/common/flags.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "examples/common/plot.h"
#include "tensor/device.h"
#include "tensor/error.h"

namespace rill::examples {

CLI::Validator finite_number(const std::string& what, std::function<bool(double)> ok) {
  const std::string description = what.empty() ? "a finite number" : "a finite number " + what;
  return CLI::Validator(
      [description, ok](std::string& input) -> std::string {
        char* end = nullptr;
        const double v = std::strtod(input.c_str(), &end);
        if (input.empty() || end != input.c_str() + input.size() || !std::isfinite(v) || !ok(v))
          return input + " is not " + description;
        return {};
      },
      description);
}

CLI::Validator one_of(const std::vector<std::string>& names) {
  const std::string list = fmt::format("{}", fmt::join(names, ", "));
  return CLI::Validator(
      [names, list](std::string& input) -> std::string {
        for (const std::string& n : names)
          if (input == n) return {};
        return "'" + input + "' is not one of: " + list;
      },
      "one of: " + list);
}

void add_checkpoint_flags(CLI::App& app, int64_t& save_every, int64_t& stop_after) {
  app.add_option("--save-every", save_every, "checkpoint every N steps (0: only at the end)")
      ->capture_default_str()
      ->check(at_least(0));
  app.add_option("--stop-after", stop_after,
                 "train up to this step, save a checkpoint and exit (the schedule still spans --steps); "
                 "continue with --resume. 0: train to the end")
      ->capture_default_str()
      ->check(at_least(0));
}

void add_minutes_flag(CLI::App& app, double& minutes) {
  app.add_option("--minutes", minutes,
                 "train for this many minutes instead of --steps: a few steps are timed, the step count that fits is "
                 "printed and used (the schedule spans it), and --resume keeps it. 0: use --steps")
      ->capture_default_str()
      ->check(at_least(0));
}

CLI::Validator device_name() {
  return CLI::Validator(
      [](std::string& input) -> std::string {
        try {
          Device::parse(input);
          return {};
        } catch (const std::exception&) {
          return "'" + input + "' is not a device (cpu, cuda or cuda:N)";
        }
      },
      "cpu, cuda or cuda:N");
}

flowmatch::OdeOptions sampling_options(const std::string& solver_name, int64_t nfe, double rtol, double atol) {
  const flowmatch::Solver solver = flowmatch::parse_solver(solver_name);
  if (solver == flowmatch::Solver::Dopri5) return flowmatch::OdeOptions::adaptive(rtol, atol);
  const int64_t per_step = flowmatch::evals_per_step(solver);
  RILL_CHECK(nfe >= per_step, "--nfe {} is fewer than one {} step evaluates ({}); give --nfe {} or more", nfe,
             solver_name, per_step, per_step);
  return flowmatch::OdeOptions::fixed(solver, nfe / per_step);
}

int program_main(const std::string& program, CLI::App& app, int argc, char** argv, const std::function<int()>& run) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  // Every program writes figures, so the format flag is declared here, once (plot.h).
  std::string format = "png";
  app.add_option("--plot-format", format, "format of the figures: png, or svg (vector; report.html shows either)")
      ->capture_default_str()
      ->check(one_of(plot_format_names()));
  try {
    app.parse(argc, argv);
    set_plot_format(parse_plot_format(format));
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;  // --help: 0; CLI11's own codes (105, ...) become 1
  }
  try {
    return run();
  } catch (const std::exception& e) {
    std::fflush(stdout);
    fmt::print(stderr, "{}: error: {}\n", program, e.what());
    return 1;
  }
}

}  // namespace rill::examples
