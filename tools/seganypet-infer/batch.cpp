#include "batch.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "labkit/core/error.h"
#include "labkit/core/log.h"
#include "labkit/core/progress.h"
#include "labkit/petseg/default_model.h"

namespace labkit::seganypet_infer {

namespace fs = std::filesystem;

namespace {

// "c1.nii.gz" -> "c1", "c1.nii" -> "c1", anything else -> "".
std::string nifti_case_name(const std::string& file) {
  for (const std::string ext : {".nii.gz", ".nii"})
    if (file.size() > ext.size() && file.compare(file.size() - ext.size(), ext.size(), ext) == 0)
      return file.substr(0, file.size() - ext.size());
  return "";
}

// <dir>/<name>.nii.gz or <dir>/<name>.nii, whichever exists.
std::string case_file(const std::string& dir, const std::string& name, const std::vector<std::string>& exts,
                      const std::string& what) {
  for (const auto& e : exts)
    if (fs::exists(fs::path(dir) / (name + e))) return (fs::path(dir) / (name + e)).string();
  throw labkit::input_error(dir, "no " + what + " for case '" + name + "' (expected " + name + exts.front() + ")");
}

std::string cell(const nlohmann::json& v, const char* fmt_spec = "{:.4f}") {
  return v.is_number() ? fmt::format(fmt::runtime(fmt_spec), v.get<double>()) : std::string("-");
}

}  // namespace

bool is_nifti_folder(const std::string& path) {
  if (!fs::is_directory(path)) return false;
  for (const auto& e : fs::directory_iterator(path))
    if (e.is_regular_file() && !nifti_case_name(e.path().filename().string()).empty()) return true;
  return false;
}

std::vector<CaseSpec> folder_cases(const CaseSpec& one) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(one.image)) {
    const auto name = nifti_case_name(e.path().filename().string());
    if (e.is_regular_file() && !name.empty()) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  if (std::adjacent_find(names.begin(), names.end()) != names.end())
    throw labkit::input_error(one.image, "a case appears as both .nii and .nii.gz");
  std::vector<CaseSpec> cases;
  for (const auto& name : names) {
    CaseSpec c = one;
    c.name = name;
    c.mask_name = name + ".nii.gz";
    c.image = case_file(one.image, name, {".nii.gz", ".nii"}, "image");
    if (!one.gt.empty() && fs::is_directory(one.gt)) c.gt = case_file(one.gt, name, {".nii.gz", ".nii"}, "label map");
    if (!one.prompts.empty() && fs::is_directory(one.prompts)) c.prompts = case_file(one.prompts, name, {".json"}, "prompt file");
    cases.push_back(std::move(c));
  }
  return cases;
}

CaseList collect_cases(const CaseSpec& one, const std::string& manifest, const labkit::Shard& shard) {
  CaseList list;
  std::vector<CaseSpec> all;
  if (!manifest.empty()) {
    if (!one.image.empty() || !one.points.empty() || !one.points_mm.empty() || !one.points_ras.empty() ||
        !one.prompts.empty() || !one.gt.empty())
      throw labkit::InputError("--manifest replaces the image, --point*, --prompts and --gt arguments");
    all = read_manifest(manifest);
  } else if (one.image.empty()) {
    throw labkit::InputError("no image given (or use --manifest, or init-model)");
  } else if (is_nifti_folder(one.image)) {
    all = folder_cases(one);
    list.folder = true;
  } else {
    for (const auto* f : {&one.gt, &one.prompts})
      if (!f->empty() && fs::is_directory(*f))
        throw labkit::input_error(*f, "a folder, but the image " + one.image + " is not a folder of NIfTI files");
    list.cases.push_back(one);
    return list;
  }
  for (size_t i = 0; i < all.size(); ++i)
    if (shard.owns(static_cast<int64_t>(i))) list.cases.push_back(all[i]);
  return list;
}

std::string resolve_checkpoint(const std::string& given) {
  if (!given.empty()) return given;
  const auto path = labkit::petseg::default_model_path();
  if (!fs::exists(path))
    throw labkit::InputError(
        "no --checkpoint given and the default model " + path +
        " does not exist. It is produced by seganypet-train (set LABKIT_MODEL_DIR to change the folder); "
        "convert an official .pth with scripts/convert/sammed3d_pth_to_safetensors.py, or write a "
        "random-weight test model with `seganypet-infer init-model --model tiny --out DIR`");
  return path;
}

nlohmann::json segment_cases(labkit::sammed3d::Sam3DImpl& model, const std::vector<CaseSpec>& cases,
                             const Settings& settings, labkit::Run& run) {
  nlohmann::json results = nlohmann::json::array();
  labkit::Progress progress("cases", static_cast<int64_t>(cases.size()), "case");
  for (const auto& c : cases) {
    labkit::ScopedTimer t(run.timings(), "case");
    results.push_back(run_case(model, c, settings, run));
    progress.advance();
  }
  progress.finish();
  return results;
}

void record_metrics(nlohmann::json& m, const nlohmann::json& results, const Settings& settings,
                    const labkit::Timings& timings) {
  m["cases"] = results;
  const auto tj = timings.to_json();
  if (tj.contains("encode"))
    m["seconds_per_crop_encode"] = timings.seconds("encode") / tj["encode"]["count"].get<double>();
  if (tj.contains("decode"))
    m["seconds_per_click_decode"] = timings.seconds("decode") / tj["decode"]["count"].get<double>();
  // Mean over every evaluated target of every case, per click count (NaN targets left out).
  bool evaluated = false;
  for (const char* metric : {"dice", "nsd"}) {
    std::vector<double> sum(settings.eval_clicks.size(), 0.0);
    std::vector<int> n(settings.eval_clicks.size(), 0);
    for (const auto& r : results)
      for (const auto& t : r["targets"])
        if (t.contains(metric))
          for (size_t k = 0; k < sum.size(); ++k)
            if (t[metric][k].is_number()) sum[k] += t[metric][k].get<double>(), n[k]++, evaluated = true;
    nlohmann::json mean = nlohmann::json::array();
    for (size_t k = 0; k < sum.size(); ++k) mean.push_back(n[k] ? nlohmann::json(sum[k] / n[k]) : nlohmann::json());
    m[std::string(metric) + "_mean"] = mean;
  }
  if (evaluated) {
    m["eval_clicks"] = settings.eval_clicks;
  } else {
    m.erase("dice_mean");
    m.erase("nsd_mean");
  }
}

std::string cases_csv(const nlohmann::json& m) {
  const bool eval = m.contains("eval_clicks");
  std::string csv = "case,image,mask,label,volume_ml,mean,max";
  if (eval)
    for (const char* metric : {"dice", "nsd"})
      for (const auto& k : m["eval_clicks"]) csv += fmt::format(",{}_{}", metric, k.get<int>());
  csv += "\n";
  auto num = [](const nlohmann::json& v) { return v.is_number() ? fmt::format("{:.9g}", v.get<double>()) : std::string(); };
  for (const auto& c : m["cases"])
    for (const auto& t : c["targets"]) {
      csv += fmt::format("{},{},{},{},{},{},{}", c.value("name", ""), c["image"].get<std::string>(),
                         c["mask"].get<std::string>(), t["label"].get<int>(), num(t["values"]["volume_ml"]),
                         num(t["values"]["mean"]), num(t["values"]["max"]));
      if (eval)
        for (const char* metric : {"dice", "nsd"})
          for (const auto& v : t[metric]) csv += "," + num(v);
      csv += "\n";
    }
  return csv;
}

void write_folder_outputs(const labkit::OutputDir& out, const nlohmann::json& m) {
  out.write("cases.csv", cases_csv(m));
  out.write("summary.json", m.dump(2) + "\n");
}

std::string results_table(const nlohmann::json& m) {
  std::string text = fmt::format("{:<24} {:>5} {:>10} {:>12} {:>12}\n", "case", "label", "volume_ml", "mean", "max");
  for (const auto& c : m["cases"])
    for (const auto& t : c["targets"]) {
      const auto& v = t["values"];
      text += fmt::format("{:<24} {:>5} {:>10} {:>12} {:>12}\n", c.value("name", c["mask"].get<std::string>()),
                          t["label"].get<int>(), cell(v["volume_ml"], "{:.3f}"), cell(v["mean"], "{:.4g}"),
                          cell(v["max"], "{:.4g}"));
    }
  if (m.contains("eval_clicks")) {
    text += fmt::format("\n{:>6} {:>10} {:>10}\n", "clicks", "mean Dice", "mean NSD");
    for (size_t k = 0; k < m["eval_clicks"].size(); ++k)
      text += fmt::format("{:>6} {:>10} {:>10}\n", m["eval_clicks"][k].get<int>(), cell(m["dice_mean"][k]),
                          cell(m["nsd_mean"][k]));
  }
  return text;
}

}  // namespace labkit::seganypet_infer
