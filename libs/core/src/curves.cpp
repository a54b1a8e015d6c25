#include "labkit/core/curves.h"

#include <stdexcept>

namespace labkit {

namespace {
nlohmann::json& panel_of(nlohmann::json& curves, const std::string& panel, const std::string& x_label) {
  if (curves.is_null()) curves = nlohmann::json::object();
  nlohmann::json& p = curves[panel];
  if (p.is_null()) p = {{"x", x_label}, {"y_scale", "linear"}, {"series", nlohmann::json::object()}};
  if (p["x"] == "") p["x"] = x_label;  // created by set_curve_log_y before any point
  if (!x_label.empty() && p["x"] != x_label)
    throw std::logic_error("curves panel '" + panel + "' has x axis '" + p["x"].get<std::string>() + "', not '" +
                           x_label + "'");
  return p;
}
}  // namespace

void add_curve_point(nlohmann::json& curves, const std::string& panel, const std::string& x_label,
                     const std::string& series, double x, double y) {
  panel_of(curves, panel, x_label)["series"][series].push_back({x, y});
}

void set_curve_log_y(nlohmann::json& curves, const std::string& panel) {
  panel_of(curves, panel, "")["y_scale"] = "log";
}

}  // namespace labkit
