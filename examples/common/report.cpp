#include "examples/common/report.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "io/atomic_file.h"

namespace rill::examples {
namespace fs = std::filesystem;

namespace {

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::stringstream s(line);
  for (std::string cell; std::getline(s, cell, sep);) out.push_back(cell);
  if (!line.empty() && line.back() == sep) out.emplace_back();
  return out;
}

bool parse_number(const std::string& s, double& v) {
  if (s.empty()) return false;
  try {
    size_t used = 0;
    v = std::stod(s, &used);
    return used == s.size();
  } catch (const std::exception&) {
    return false;  // "nan" parses; words and empty cells do not
  }
}

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  return out;
}

// A JSON file's top-level entries as an HTML table (nested values as compact JSON), or a
// line saying why there is none.
std::string json_table(const fs::path& p, const std::string& missing) {
  if (!fs::exists(p)) return "<p class=\"note\">" + escape(missing) + "</p>\n";
  Json j;
  try {
    std::ifstream in(p);
    j = Json::parse(in);
  } catch (const std::exception& e) {
    return "<p class=\"note\">" + escape(p.filename().string()) + " could not be read: " + escape(e.what()) + "</p>\n";
  }
  // Nested objects (fm_straight's per-method numbers) as dotted keys, one row each.
  std::string html = "<table>\n";
  const std::function<void(const std::string&, const Json&)> rows = [&](const std::string& key, const Json& value) {
    if (value.is_object() && !value.empty()) {
      for (const auto& [k, v] : value.items()) rows(key.empty() ? k : key + "." + k, v);
      return;
    }
    std::string text = value.is_string() ? value.get<std::string>() : value.dump();
    if (value.is_number_float()) text = fmt::format("{:.6g}", value.get<double>());
    html += "<tr><th>" + escape(key) + "</th><td>" + escape(text) + "</td></tr>\n";
  };
  rows("", j);
  return html + "</table>\n";
}

std::string picture(const std::string& name) {
  return "<figure><img src=\"" + escape(name) + "\" alt=\"" + escape(name) + "\"><figcaption>" + escape(name) +
         "</figcaption></figure>\n";
}

bool is_picture(const std::string& name) {
  const std::string ext = fs::path(name).extension().string();
  return ext == ".png" || ext == ".svg" || ext == ".gif";
}

// N of samples_step<N>.png, or -1 for any other name.
int64_t sample_step(const std::string& name) {
  const std::string prefix = "samples_step";
  if (name.rfind(prefix, 0) != 0) return -1;
  const std::string digits = fs::path(name).stem().string().substr(prefix.size());
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stoll(digits);
}

}  // namespace

CsvLosses read_metrics_losses(const std::string& csv_path) {
  CsvLosses out;
  std::ifstream in(csv_path);
  std::string line;
  if (!std::getline(in, line)) return out;
  const std::vector<std::string> header = split(line, ',');
  const auto column = [&](const std::string& name) {
    const auto it = std::find(header.begin(), header.end(), name);
    return it == header.end() ? -1 : static_cast<int>(it - header.begin());
  };
  const int step_col = column("step"), loss_col = column("loss"), val_col = column("val_loss");
  if (step_col < 0 || loss_col < 0) return out;
  while (std::getline(in, line)) {
    const std::vector<std::string> cells = split(line, ',');
    double step, v;
    if (static_cast<int>(cells.size()) <= std::max(step_col, loss_col) || !parse_number(cells[step_col], step))
      continue;
    if (parse_number(cells[loss_col], v)) out.train.emplace_back(static_cast<int64_t>(step), v);
    if (val_col >= 0 && val_col < static_cast<int>(cells.size()) && parse_number(cells[val_col], v))
      out.validation.emplace_back(static_cast<int64_t>(step), v);
  }
  return out;
}

void write_loss_plot(const RunDir& dir) {
  const CsvLosses losses = read_metrics_losses(dir.file("metrics.csv"));
  if (losses.train.empty()) return;
  save_loss_plot(dir.file(plot_file("loss")), {{"train", losses.train}}, losses.validation,
                 dir.program() + ": loss by step");
}

void write_report(const RunDir& dir) {
  const fs::path folder = dir.file("");
  std::vector<std::string> pictures;
  std::vector<std::pair<int64_t, std::string>> during;
  std::string loss;
  for (const auto& e : fs::directory_iterator(folder)) {
    const std::string name = e.path().filename().string();
    if (!e.is_regular_file() || !is_picture(name) || name.find(".tmp.") != std::string::npos) continue;
    if (fs::path(name).stem() == "loss")
      loss = name;
    else if (sample_step(name) >= 0)
      during.emplace_back(sample_step(name), name);
    else
      pictures.push_back(name);
  }
  // samples.* first, the rest by name; the grids written during training by step.
  std::sort(pictures.begin(), pictures.end(), [](const std::string& a, const std::string& b) {
    const bool sa = fs::path(a).stem() == "samples", sb = fs::path(b).stem() == "samples";
    return sa != sb ? sa : a < b;
  });
  std::sort(during.begin(), during.end());

  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + escape(dir.program()) +
      " run report</title>\n<style>\n"
      "body { font-family: 'DejaVu Sans', sans-serif; margin: 24px; max-width: 1200px; color: #222; }\n"
      "table { border-collapse: collapse; margin-bottom: 16px; }\n"
      "th, td { border: 1px solid #ccc; padding: 3px 10px; text-align: left; font-size: 14px; }\n"
      "td { overflow-wrap: anywhere; }\n"
      "th { background: #f2f2f2; font-weight: normal; }\n"
      "figure { display: inline-block; margin: 0 16px 16px 0; vertical-align: top; }\n"
      "figcaption { font-size: 13px; color: #555; }\n"
      "img { max-width: 100%; }\n"
      ".note { color: #666; }\n"
      "</style>\n</head>\n<body>\n<h1>" +
      escape(dir.program()) + " — run report</h1>\n<p class=\"note\">" + escape(folder.string()) + "</p>\n";
  html +=
      "<h2>Final metrics</h2>\n" +
      json_table(folder / "metrics.json", "No metrics.json yet: the run is in progress, or stopped before its end.");
  html += "<h2>Loss</h2>\n" + (loss.empty() ? "<p class=\"note\">No loss logged.</p>\n" : picture(loss));
  html += "<h2>Pictures</h2>\n";
  for (const auto& p : pictures) html += picture(p);
  if (pictures.empty()) html += "<p class=\"note\">None yet.</p>\n";
  if (!during.empty()) {
    html += "<h2>Samples during training</h2>\n";
    for (const auto& [step, name] : during) html += picture(name);
  }
  html += "<h2>Config</h2>\n" + json_table(folder / "config.json", "No config.json.");
  html += "</body>\n</html>\n";
  io::write_text_file(dir.file("report.html"), html);
}

void update_report(const RunDir& dir) {
  write_loss_plot(dir);
  write_report(dir);
}

}  // namespace rill::examples
