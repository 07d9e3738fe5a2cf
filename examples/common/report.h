// rill examples — what a person opens to see a run: loss.png and report.html.
//
// report.html is one static page (inline CSS, no scripts, nothing fetched from the
// network, images by relative links, so the folder can be copied or served as it is):
// the run's config (config.json), its final numbers (metrics.json, absent while a run is
// in progress), the loss curve, and every picture in the folder — the samples and the
// program's figures first, then the grids written during training (samples_step<N>),
// in step order. The page is rebuilt at every checkpoint and at the end of a run, so
// during a long run it shows how far it got.
#pragma once

#include <string>

#include "examples/common/plot.h"
#include "examples/common/run_dir.h"

namespace rill::examples {

// The train loss and the validation loss (where a row has one) of a metrics.csv.
struct CsvLosses {
  LossLog train, validation;
};
CsvLosses read_metrics_losses(const std::string& csv_path);

// loss.png (or .svg) from metrics.csv, when it has rows; nothing otherwise.
void write_loss_plot(const RunDir& dir);
// report.html from what is in the folder now.
void write_report(const RunDir& dir);
// Both: what a training program calls at a checkpoint and at its end.
void update_report(const RunDir& dir);

}  // namespace rill::examples
