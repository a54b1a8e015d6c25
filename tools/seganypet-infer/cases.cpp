#include "cases.h"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>
#include <fstream>
#include <random>
#include <set>

#include "evaluate.h"
#include "extend.h"
#include "labkit/core/error.h"
#include "labkit/core/log.h"
#include "labkit/imageio/image.h"
#include "prompts.h"
#include "suv.h"

namespace seganypet {

namespace img = labkit::image;
namespace fs = std::filesystem;
using labkit::input_error;

namespace {

img::Volume read_3d(const std::string& path) {
  auto info = img::read_info(path);
  if (info.dimension != 3) throw input_error(path, fmt::format("expected a 3D image, got a {}D image", info.dimension));
  return img::read_volume(path);
}

nlohmann::json dice_json(const std::map<int, double>& d) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : d) j[std::to_string(k)] = std::isnan(v) ? nlohmann::json() : nlohmann::json(v);
  return j;
}

void paint(img::Volume& out, const img::Volume& mask, int label) {
  for (size_t i = 0; i < out.voxels.size(); ++i)
    if (mask.voxels[i] > 0.5f) out.voxels[i] = static_cast<float>(label);
}

// Volume and image values inside a target's mask, in the image's own units times `scale` (the SUV
// factor with --suv; scaling only here keeps the model input, and so the mask, exactly as without).
nlohmann::json mask_stats(const img::Volume& image, const img::Volume& mask, double scale) {
  int64_t n = 0;
  double sum = 0, mx = -std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < mask.voxels.size(); ++i)
    if (mask.voxels[i] > 0.5f) ++n, sum += image.voxels[i], mx = std::max(mx, double(image.voxels[i]));
  const auto& sp = image.geometry.spacing;
  nlohmann::json j{{"volume_ml", double(n) * sp[0] * sp[1] * sp[2] / 1000.0}};
  j["mean"] = n ? nlohmann::json(sum / double(n) * scale) : nlohmann::json();
  j["max"] = n ? nlohmann::json(mx * scale) : nlohmann::json();
  return j;
}

}  // namespace

nlohmann::json run_case(labkit::sammed3d::Sam3DImpl& model, const CaseSpec& spec, const CaseSettings& settings,
                        labkit::Run& run) {
  const auto& out = run.out();  // InputError without --out, before any work
  // 1. Read and check every input.
  img::Volume image = read_3d(spec.image);
  img::Volume gt;
  std::vector<Target> targets;
  const bool evaluating = !spec.gt.empty();
  if (evaluating) {
    gt = read_3d(spec.gt);
    if (!img::same_geometry(image.geometry, gt.geometry, 1e-4))
      throw input_error(spec.gt, "geometry differs from the image " + spec.image +
                                     " (size, spacing, origin and direction must match)");
    if (labels_of(gt).empty()) throw input_error(spec.gt, "the ground truth has no nonzero label");
  } else {
    if (!spec.prompts.empty()) targets = read_targets(spec.prompts, image.geometry);
    Target cli;
    for (const auto& p : spec.points) cli.clicks.push_back(parse_point(p, false, image.geometry, "--point"));
    for (const auto& p : spec.points_mm) cli.clicks.push_back(parse_point(p, true, image.geometry, "--point-mm"));
    if (!cli.clicks.empty()) {
      if (!targets.empty()) throw labkit::InputError("give clicks either on the command line or in --prompts, not both");
      if (!cli.clicks.front().positive) throw labkit::InputError("--point: the first click must be positive");
      targets.push_back(cli);
    }
    if (targets.empty()) throw labkit::InputError(spec.image + ": no prompt (give --point, --point-mm, --prompts or --gt)");
  }
  std::optional<SuvFactor> suv;
  if (settings.suv) {
    if (!fs::is_directory(spec.image))
      throw input_error(spec.image, "suv needs a PET DICOM series folder (the SUV tags are not in other formats)");
    suv = suv_bw_factor(spec.image);
  }
  const double scale = suv ? suv->factor : 1.0;

  // 2. Segment.
  const ModelSpace ms = to_model_space(image, settings.spacing_mm);
  img::Volume result = img::make_volume(image.geometry, 0.0f);
  nlohmann::json tj = nlohmann::json::array();
  std::map<int, std::vector<double>> per_click, per_click_nsd;
  if (evaluating) {
    const ModelSpace gm = to_model_space(gt, settings.spacing_mm, /*label_map=*/true);
    std::mt19937_64 rng(run.seed());
    for (int label : labels_of(gt)) {
      auto r = evaluate_target(model, ms, gm, gt, label, settings.eval_clicks, settings.nsd_tolerance_mm, rng, run.timings());
      paint(result, r.final_mask, label);
      for (const auto& [k, d] : r.dice)
        if (!std::isnan(d)) per_click[k].push_back(d);
      for (const auto& [k, d] : r.nsd)
        if (!std::isnan(d)) per_click_nsd[k].push_back(d);
      tj.push_back(nlohmann::json{{"label", label}, {"gt_voxels", r.gt_voxels}, {"dice", dice_json(r.dice)},
                                  {"nsd", dice_json(r.nsd)}, {"values", mask_stats(image, r.final_mask, scale)}});
      labkit::log::info("{} label {}: Dice after {} clicks {:.4f}", spec.image, label, settings.eval_clicks.back(),
                        r.dice.empty() ? NAN : r.dice.rbegin()->second);
    }
  } else {
    for (const auto& t : targets) {
      auto r = segment_target(model, ms, t, settings.max_crops, run.timings());
      int64_t voxels = 0;
      for (float v : r.mask.voxels) voxels += v > 0.5f;
      paint(result, r.mask, t.label);
      tj.push_back(nlohmann::json{{"label", t.label}, {"clicks", r.clicks}, {"voxels", voxels}, {"crops", r.crops}, {"decoder_calls", r.decoder_calls},
                                  {"crop_start_model_voxel", r.first_crop_start}, {"values", mask_stats(image, r.mask, scale)}});
    }
  }

  // 3. Write (only now: bad input never leaves a mask behind).
  const std::string mask_name = spec.name.empty() ? "mask.nii.gz" : spec.name + ".mask.nii.gz";
  img::write_volume(result, out.file(mask_name), img::PixelType::kUInt8);
  nlohmann::json j{{"image", spec.image}, {"mask", mask_name}, {"targets", tj},
                   {"size", image.geometry.size}, {"spacing", image.geometry.spacing}};
  if (!spec.name.empty()) j["name"] = spec.name;
  j["values_unit"] = suv ? "SUVbw" : "image";
  if (suv) j["suv"] = suv->to_json();
  if (evaluating) {
    auto mean = [](const std::map<int, std::vector<double>>& per) {
      std::map<int, double> m;
      for (const auto& [k, v] : per) {
        double s = 0;
        for (double d : v) s += d;
        m[k] = v.empty() ? NAN : s / double(v.size());
      }
      return m;
    };
    j["gt"] = spec.gt;
    j["dice_mean"] = dice_json(mean(per_click));
    j["nsd_mean"] = dice_json(mean(per_click_nsd));
    j["nsd_tolerance_mm"] = settings.nsd_tolerance_mm;
  }
  return j;
}

std::vector<CaseSpec> read_manifest(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw input_error(path, "cannot open the manifest");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw input_error(path, std::string("not valid JSON: ") + e.what());
  }
  if (!j.is_object() || !j.contains("cases") || !j["cases"].is_array() || j["cases"].empty())
    throw input_error(path, "expected an object with a non-empty \"cases\" array");
  const fs::path base = fs::path(path).parent_path();
  auto resolve = [&](const std::string& p) { return p.empty() || fs::path(p).is_absolute() ? p : (base / p).string(); };
  std::vector<CaseSpec> cases;
  std::set<std::string> names;
  for (size_t i = 0; i < j["cases"].size(); ++i) {
    const auto& c = j["cases"][i];
    const std::string where = fmt::format("case {}", i);
    if (!c.is_object()) throw input_error(path, where + " is not an object");
    CaseSpec s;
    s.name = c.value("name", "");
    s.image = resolve(c.value("image", ""));
    s.gt = resolve(c.value("gt", ""));
    s.prompts = resolve(c.value("prompts", ""));
    if (s.name.empty() || s.name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != std::string::npos)
      throw input_error(path, where + ": \"name\" must be non-empty and use only letters, digits, '.', '_', '-'");
    if (!names.insert(s.name).second) throw input_error(path, where + ": name '" + s.name + "' used twice");
    if (s.image.empty()) throw input_error(path, where + " (" + s.name + ") has no \"image\"");
    if (s.gt.empty() == s.prompts.empty()) throw input_error(path, where + " (" + s.name + ") needs exactly one of \"gt\" or \"prompts\"");
    for (const auto* f : {&s.image, &s.gt, &s.prompts})
      if (!f->empty() && !fs::exists(*f)) throw input_error(path, where + " (" + s.name + "): " + *f + " does not exist");
    cases.push_back(std::move(s));
  }
  return cases;
}

}  // namespace seganypet
