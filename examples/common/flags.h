// rill examples — command lines that are checked before any work starts.
//
// Every flag's accepted values are stated once, where the flag is declared, and checked
// by CLI11 while parsing: a bad value stops the program before it reads data, trains or
// writes a file, with a message naming the flag and what it accepts, e.g.
//   --lr: inf is not a finite number > 0
//   --solver: foo not in {euler,midpoint,heun,rk4,dopri5}
// Unlike CLI::Range, these validators refuse NaN and infinities (NaN compares false with
// every bound, so a plain range check lets it through).
#pragma once

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <functional>
#include <string>
#include <vector>

#include "flowmatch/ode.h"
#include <CLI/CLI.hpp>

namespace rill::examples {

// A finite number for which ok(v) holds; `what` completes "is not a finite number ...".
CLI::Validator finite_number(const std::string& what, std::function<bool(double)> ok);
inline CLI::Validator positive() {
  return finite_number("> 0", [](double v) { return v > 0; });
}
inline CLI::Validator at_least(double lo) {
  return finite_number(fmt::format(">= {}", lo), [lo](double v) { return v >= lo; });
}
// lo <= v < hi, e.g. a probability that must stay below 1.
inline CLI::Validator in_half_open(double lo, double hi) {
  return finite_number(fmt::format("in [{}, {})", lo, hi), [lo, hi](double v) { return v >= lo && v < hi; });
}
// lo <= v <= hi, e.g. a fraction.
inline CLI::Validator in_closed(double lo, double hi) {
  return finite_number(fmt::format("in [{}, {}]", lo, hi), [lo, hi](double v) { return v >= lo && v <= hi; });
}
inline CLI::Validator any_finite() {
  return finite_number("", [](double) { return true; });
}
// One of the names (the message lists them).
CLI::Validator one_of(const std::vector<std::string>& names);
// cpu, cuda or cuda:N.
CLI::Validator device_name();

// The ODE solver a --solver/--nfe/--rtol/--atol command line asks for: a fixed grid of
// nfe / evals_per_step steps (rounded down), or dopri5 with the tolerances. Throws, naming
// --nfe, when nfe is fewer than one step of the solver evaluates.
flowmatch::OdeOptions sampling_options(const std::string& solver, int64_t nfe, double rtol, double atol);

// --save-every and --stop-after, the checkpoint flags every training program takes
// (README, "The examples"), with their checks.
void add_checkpoint_flags(CLI::App& app, int64_t& save_every, int64_t& stop_after);

// --minutes M: train for a wall-clock budget instead of --steps (train_loop.h, budget_steps).
void add_minutes_flag(CLI::App& app, double& minutes);

// How every example program starts and ends: stdout is made line-buffered (progress and
// error lines then reach a log file in the order they happened, even when it is a pipe or
// a file, where the C library would otherwise buffer 4 KB at a time); the command line is
// parsed and checked (with --plot-format, which every program takes); `run` is called; an
// exception from it is printed as "<program>: error: <message>". Exit status: 0 on success
// and after --help, 1 for a bad flag or any error.
int program_main(const std::string& program, CLI::App& app, int argc, char** argv, const std::function<int()>& run);

}  // namespace rill::examples
