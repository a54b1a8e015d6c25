// Training curves in report.json, the one convention scripts/plot_report.py draws (CONTRIBUTING.md 6):
//
//   "curves": {"<panel title>": {"x": "<x-axis label>", "y_scale": "linear"|"log",
//                                "series": {"<series name>": [[x, y], ...]}}}
//
// One panel per plot; each panel's series share its x axis (epoch, step). A tool fills the section with
// add_curve_point(run.report_extra()["curves"], ...) from its complete history (so a resumed run's
// curves cover every epoch, not just those since the resume).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace labkit {

// Appends (x, y) to `series` of `panel`, creating the panel with `x_label` on first use. A panel keeps
// one x label: a different one throws std::logic_error (a programming error, not bad input).
void add_curve_point(nlohmann::json& curves, const std::string& panel, const std::string& x_label,
                     const std::string& series, double x, double y);

// Draws `panel` with a logarithmic y axis (losses spanning decades).
void set_curve_log_y(nlohmann::json& curves, const std::string& panel);

}  // namespace labkit
