#include "cases.h"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>
#include <random>
#include <set>

#include "evaluate.h"
#include "extend.h"
#include "labkit/core/case_manifest.h"
#include "labkit/core/error.h"
#include "labkit/core/log.h"
#include "labkit/imageio/image.h"
#include "labkit/imageio/png.h"
#include "labkit/petseg/volume_space.h"
#include "overlay.h"
#include "prompts.h"
#include "suv.h"

namespace labkit::seganypet_infer {

namespace img = labkit::imageio;
namespace fs = std::filesystem;
using labkit::input_error;

namespace {

// A 3D image that can go to model space at `spacing` (finite voxels, a bounded grid).
img::Volume read_3d(const std::string& path, double spacing) {
  auto info = img::read_info(path);
  if (info.dimension != 3) throw input_error(path, fmt::format("expected a 3D image, got a {}D image", info.dimension));
  auto v = img::read_volume(path);
  labkit::petseg::check_for_model_space(v, spacing, path);
  return v;
}

// Values per click count as a list in the order of `clicks` (ascending), NaN as null.
nlohmann::json by_clicks(const std::map<int, double>& d, const std::vector<int>& clicks) {
  nlohmann::json j = nlohmann::json::array();
  for (int k : clicks) {
    auto it = d.find(k);
    j.push_back(it == d.end() || std::isnan(it->second) ? nlohmann::json() : nlohmann::json(it->second));
  }
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

// Every input of a case, read and checked before any work.
struct CaseInputs {
  img::Volume image, gt;        // gt only in evaluation
  std::vector<Target> targets;  // only with prompts
  std::optional<SuvFactor> suv;
  bool evaluating = false;
};

std::vector<Target> command_line_targets(const CaseSpec& spec, const img::Geometry& g) {
  std::vector<Target> targets;
  if (!spec.prompts.empty()) targets = read_targets(spec.prompts, g);
  Target cli;
  for (const auto& p : spec.points) cli.clicks.push_back(parse_point(p, Coords::kVoxel, g, "--point"));
  for (const auto& p : spec.points_mm) cli.clicks.push_back(parse_point(p, Coords::kLps, g, "--point-mm"));
  for (const auto& p : spec.points_ras) cli.clicks.push_back(parse_point(p, Coords::kRas, g, "--point-ras"));
  if (!cli.clicks.empty()) {
    if (!targets.empty()) throw labkit::InputError("give clicks either on the command line or in --prompts, not both");
    if (!cli.clicks.front().positive) throw labkit::InputError("--point: the first click must be positive");
    targets.push_back(cli);
  }
  if (targets.empty())
    throw labkit::InputError(spec.image + ": no prompt (give --point, --point-mm, --point-ras, --prompts or --gt)");
  return targets;
}

CaseInputs read_case_inputs(const CaseSpec& spec, const Settings& settings) {
  CaseInputs in;
  in.image = read_3d(spec.image, settings.spacing_mm);
  in.evaluating = !spec.gt.empty();
  if (in.evaluating) {
    in.gt = read_3d(spec.gt, settings.spacing_mm);
    if (!img::same_geometry(in.image.geometry, in.gt.geometry, 1e-4))
      throw input_error(spec.gt, "geometry differs from the image " + spec.image +
                                     " (size, spacing, origin and direction must match)");
    if (labels_of(in.gt).empty()) throw input_error(spec.gt, "the ground truth has no nonzero label");
  } else {
    in.targets = command_line_targets(spec, in.image.geometry);
  }
  if (settings.suv) {
    if (!fs::is_directory(spec.image))
      throw input_error(spec.image, "suv needs a PET DICOM series folder (the SUV tags are not in other formats)");
    in.suv = suv_bw_factor(spec.image);
  }
  return in;
}

// Evaluation: every label of the ground truth with simulated clicks; paints `result`, fills the case's
// targets and per-click means into `j`.
void evaluate_case(labkit::sammed3d::Sam3DImpl& model, const labkit::petseg::ModelSpace& ms, const CaseInputs& in,
                   const CaseSpec& spec, const Settings& settings, double scale, labkit::Run& run, img::Volume& result,
                   nlohmann::json& j) {
  const auto gm = labkit::petseg::to_model_space(in.gt, settings.spacing_mm, /*label_map=*/true);
  std::mt19937_64 rng(run.seed());
  std::map<int, std::vector<double>> per_click, per_click_nsd;
  for (int label : labels_of(in.gt)) {
    auto r = evaluate_target(model, ms, gm, in.gt, label, settings.eval_clicks, settings.nsd_tolerance_mm, rng,
                             run.timings());
    paint(result, r.final_mask, label);
    for (const auto& [k, d] : r.dice)
      if (!std::isnan(d)) per_click[k].push_back(d);
    for (const auto& [k, d] : r.nsd)
      if (!std::isnan(d)) per_click_nsd[k].push_back(d);
    j["targets"].push_back(nlohmann::json{{"label", label}, {"gt_voxels", r.gt_voxels},
                                          {"dice", by_clicks(r.dice, settings.eval_clicks)},
                                          {"nsd", by_clicks(r.nsd, settings.eval_clicks)},
                                          {"values", mask_stats(in.image, r.final_mask, scale)}});
    labkit::log::info("{} label {}: Dice after {} clicks {:.4f}", spec.image, label, settings.eval_clicks.back(),
                      r.dice.empty() ? NAN : r.dice.rbegin()->second);
  }
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
  j["eval_clicks"] = settings.eval_clicks;
  j["dice_mean"] = by_clicks(mean(per_click), settings.eval_clicks);
  j["nsd_mean"] = by_clicks(mean(per_click_nsd), settings.eval_clicks);
  j["nsd_tolerance_mm"] = settings.nsd_tolerance_mm;
}

// Prompted targets: one mask per target, painted into `result` with its label (later targets win).
void segment_case(labkit::sammed3d::Sam3DImpl& model, const labkit::petseg::ModelSpace& ms, const CaseInputs& in,
                  const Settings& settings, double scale, labkit::Run& run, img::Volume& result, nlohmann::json& j) {
  for (const auto& t : in.targets) {
    auto r = segment_target(model, ms, t, settings.max_crops, run.timings());
    int64_t voxels = 0;
    for (float v : r.mask.voxels) voxels += v > 0.5f;
    paint(result, r.mask, t.label);
    j["targets"].push_back(nlohmann::json{{"label", t.label}, {"clicks", r.clicks}, {"voxels", voxels},
                                          {"crops", r.crops}, {"decoder_calls", r.decoder_calls},
                                          {"crop_start_model_voxel", r.first_crop_start},
                                          {"values", mask_stats(in.image, r.mask, scale)}});
  }
}

// The voxel the overlay's slices go through: the first click of the first target; in evaluation (no
// clicks given) the voxel of the lowest ground-truth label nearest that label's centre of mass.
std::array<int64_t, 3> overlay_voxel(const CaseInputs& in) {
  if (!in.evaluating) {
    const auto& ijk = in.targets.front().clicks.front().ijk;
    return {std::llround(ijk[0]), std::llround(ijk[1]), std::llround(ijk[2])};
  }
  const int label = labels_of(in.gt).front();
  const auto& size = in.gt.geometry.size;
  std::array<double, 3> sum{0, 0, 0};
  double n = 0;
  for (int64_t k = 0; k < size[2]; ++k)
    for (int64_t j = 0; j < size[1]; ++j)
      for (int64_t i = 0; i < size[0]; ++i)
        if (std::lround(in.gt.at(i, j, k)) == label) sum[0] += double(i), sum[1] += double(j), sum[2] += double(k), n += 1;
  std::array<int64_t, 3> best{0, 0, 0};
  double best_d = std::numeric_limits<double>::infinity();
  for (int64_t k = 0; k < size[2]; ++k)
    for (int64_t j = 0; j < size[1]; ++j)
      for (int64_t i = 0; i < size[0]; ++i)
        if (std::lround(in.gt.at(i, j, k)) == label) {
          const double d = std::pow(double(i) - sum[0] / n, 2) + std::pow(double(j) - sum[1] / n, 2) +
                           std::pow(double(k) - sum[2] / n, 2);
          if (d < best_d) best_d = d, best = {i, j, k};
        }
  return best;
}

// "<case>_overlay.png", or "overlay.png" for a single image.
std::string overlay_name(const CaseSpec& spec) { return spec.name.empty() ? "overlay.png" : spec.name + "_overlay.png"; }

}  // namespace

nlohmann::json run_case(labkit::sammed3d::Sam3DImpl& model, const CaseSpec& spec, const Settings& settings,
                        labkit::Run& run) {
  const auto& out = run.out();  // InputError without --out, before any work
  const CaseInputs in = read_case_inputs(spec, settings);
  const double scale = in.suv ? in.suv->factor : 1.0;
  nlohmann::json j{{"image", spec.image}, {"mask", spec.mask_name}, {"targets", nlohmann::json::array()},
                   {"size", in.image.geometry.size}, {"spacing", in.image.geometry.spacing}};
  if (!spec.name.empty()) j["name"] = spec.name;
  j["values_unit"] = in.suv ? "SUVbw" : "image";
  if (in.suv) j["suv"] = in.suv->to_json();
  const auto ms = labkit::petseg::to_model_space(in.image, settings.spacing_mm);
  img::Volume result = img::make_volume(in.image.geometry, 0.0f);
  if (in.evaluating)
    evaluate_case(model, ms, in, spec, settings, scale, run, result, j);
  else
    segment_case(model, ms, in, settings, scale, run, result, j);
  // Written only now: bad input never leaves a mask behind.
  img::write_volume(result, out.file(spec.mask_name), img::PixelType::kUInt8);
  if (settings.overlay) {
    const auto at = overlay_voxel(in);
    img::write_png(render_overlay(in.image, result, at), out.file(overlay_name(spec)));
    j["overlay"] = {{"file", overlay_name(spec)}, {"voxel", at}};
  }
  return j;
}

}  // namespace labkit::seganypet_infer
