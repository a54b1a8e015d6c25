// The segmentation command as named steps: which cases this run owns (one image, a manifest, or a
// folder of NIfTI files: nnU-Net's folder in, folder out), the model, the loop over cases with progress,
// the metrics summary, the folder outputs (cases.csv, summary.json) and the results table for stdout.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cases.h"
#include "labkit/core/output_dir.h"
#include "labkit/core/shard.h"
#include "labkit/core/tool.h"
#include "labkit/sammed3d/model.h"
#include "settings.h"

namespace labkit::seganypet_infer {

// True when `path` is a folder holding NIfTI files (*.nii, *.nii.gz): a folder of cases. Any other
// folder is read as one DICOM series.
bool is_nifti_folder(const std::string& path);

// One case per NIfTI file of one.image (sorted by name; the case is the file name without .nii[.gz]),
// mask <case>.nii.gz. The command-line clicks apply to every case; --prompts and --gt may be folders
// holding <case>.json / <case>.nii[.gz]. InputError naming the folder when a case's file is missing.
std::vector<CaseSpec> folder_cases(const CaseSpec& one);

struct CaseList {
  std::vector<CaseSpec> cases;  // the ones this shard owns
  bool folder = false;          // folder in, folder out: cases.csv and summary.json too
};
// From --manifest, a NIfTI folder or one image; InputError for conflicting or missing arguments.
CaseList collect_cases(const CaseSpec& one, const std::string& manifest, const labkit::Shard& shard);

// --checkpoint, or the default model seganypet-train installs (InputError saying how to get one).
std::string resolve_checkpoint(const std::string& given);

// Runs every case (progress on stderr); returns their metrics in order.
nlohmann::json segment_cases(labkit::sammed3d::Sam3DImpl& model, const std::vector<CaseSpec>& cases,
                             const Settings& settings, labkit::Run& run);

// metrics: cases, seconds_per_crop_encode / seconds_per_click_decode, and in evaluation eval_clicks
// with dice_mean / nsd_mean over every evaluated target (lists aligned with eval_clicks).
void record_metrics(nlohmann::json& metrics, const nlohmann::json& cases, const Settings& settings,
                    const labkit::Timings& timings);

// cases.csv (one row per case and target) and summary.json (the metrics) for folder runs.
void write_folder_outputs(const labkit::OutputDir& out, const nlohmann::json& metrics);
std::string cases_csv(const nlohmann::json& metrics);

// The table printed on stdout: per target (case, label, voxels, volume, mean, max) and, in
// evaluation, mean Dice and NSD by clicks.
std::string results_table(const nlohmann::json& metrics);

}  // namespace labkit::seganypet_infer
