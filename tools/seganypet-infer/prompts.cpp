#include "prompts.h"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "labkit/core/error.h"
#include "labkit/core/json_file.h"
#include "labkit/core/log.h"

namespace labkit::seganypet_infer {

namespace img = labkit::imageio;
using labkit::input_error;

void check_inside(const std::array<double, 3>& ijk, const img::Geometry& g, const std::string& what) {
  for (int a = 0; a < 3; ++a)
    if (!(ijk[a] >= -0.5 && ijk[a] <= double(g.size[a]) - 0.5))
      throw input_error(what, fmt::format("point at voxel ({:.1f}, {:.1f}, {:.1f}) is outside the image (size {}x{}x{})",
                                          ijk[0], ijk[1], ijk[2], g.size[0], g.size[1], g.size[2]));
}

namespace {

Click make_click(const std::array<double, 3>& p, Coords coords, bool positive, const img::Geometry& g,
                 const std::string& what) {
  for (double v : p)
    if (!std::isfinite(v)) throw labkit::InputError(what + ": coordinates must be finite numbers");
  Click c;
  if (coords == Coords::kVoxel) c.ijk = p;
  else if (coords == Coords::kLps) c.ijk = img::world_to_index(g, p);
  else c.ijk = img::world_to_index(g, {-p[0], -p[1], p[2]});
  c.positive = positive;
  check_inside(c.ijk, g, what);
  labkit::log::info("{}: {} click at voxel ({:.1f}, {:.1f}, {:.1f})", what, positive ? "positive" : "negative",
                    c.ijk[0], c.ijk[1], c.ijk[2]);
  return c;
}

}  // namespace

Click parse_point(const std::string& text, Coords coords, const img::Geometry& g, const std::string& flag) {
  std::vector<double> v;
  std::stringstream ss(text);
  std::string item;
  try {
    while (std::getline(ss, item, ',')) {
      size_t used = 0;
      v.push_back(std::stod(item, &used));
      if (used != item.size()) throw std::invalid_argument(item);
    }
  } catch (const std::exception&) {
    throw input_error(flag, "'" + text + "' is not a point (expected x,y,z or x,y,z,label)");
  }
  if (v.size() != 3 && v.size() != 4) throw input_error(flag, "'" + text + "' needs 3 coordinates and an optional label");
  if (v.size() == 4 && v[3] != 0 && v[3] != 1) throw input_error(flag, "'" + text + "': label must be 1 (foreground) or 0 (background)");
  return make_click({v[0], v[1], v[2]}, coords, v.size() == 3 || v[3] == 1, g, flag + " " + text);
}

std::vector<Target> read_targets(const std::string& path, const img::Geometry& g) {
  const nlohmann::json j = read_json_file(path, "the prompt file");
  if (!j.is_object() || !j.contains("targets") || !j["targets"].is_array())
    throw input_error(path, "expected an object with a \"targets\" array");
  if (j["targets"].empty()) throw input_error(path, "the prompt file has no targets");
  std::vector<Target> out;
  std::set<int> labels;
  try {
    for (size_t t = 0; t < j["targets"].size(); ++t) {
      const auto& jt = j["targets"][t];
      Target target;
      target.label = jt.value("label", int(t) + 1);
      const std::string where = fmt::format("target {}", t);
      if (target.label < 1 || target.label > 255) throw input_error(path, where + ": label must be in 1..255");
      if (!labels.insert(target.label).second) throw input_error(path, where + ": label " + std::to_string(target.label) + " used twice");
      if (!jt.contains("points") || !jt["points"].is_array() || jt["points"].empty())
        throw input_error(path, where + " has no points");
      for (const auto& jp : jt["points"]) {
        if (!jp.is_object() || jp.contains("voxel") + jp.contains("mm") + jp.contains("ras") != 1)
          throw input_error(path, where + ": each point needs exactly one of \"voxel\", \"mm\" (LPS) or \"ras\"");
        const char* key = jp.contains("voxel") ? "voxel" : jp.contains("mm") ? "mm" : "ras";
        const Coords coords = jp.contains("voxel") ? Coords::kVoxel : jp.contains("mm") ? Coords::kLps : Coords::kRas;
        auto p = jp.at(key).get<std::array<double, 3>>();
        target.clicks.push_back(make_click(p, coords, jp.value("positive", true), g, path + ": " + where));
      }
      if (!target.clicks.front().positive) throw input_error(path, where + ": the first point must be positive");
      out.push_back(std::move(target));
    }
  } catch (const nlohmann::json::exception& e) {
    throw input_error(path, std::string("bad prompt entry: ") + e.what());
  }
  return out;
}

}  // namespace labkit::seganypet_infer
