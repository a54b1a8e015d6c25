// The verbs of qo2mol-pack as steps main calls: each takes the resolved Settings and the command line's
// inputs, does the work through the tool's modules, and fills run.metrics() (report.json, --json) and
// run.summary() (the table on stdout).
#pragma once

#include <string>
#include <vector>

#include "labkit/core/tool.h"
#include "labkit/core/version.h"
#include "settings.h"

namespace labkit::qo2mol_pack {

// HDF5 and SQLite versions for --version and report.json.
labkit::VersionList linked_versions();

void run_pack(labkit::Run& run, const Settings& s, const std::vector<std::string>& inputs);
void run_merge(labkit::Run& run, const Settings& s, const std::vector<std::string>& inputs,
               const std::string& manifest_copy);
void run_verify(labkit::Run& run, const Settings& s, const std::string& dataset);
void run_inspect(labkit::Run& run, const Settings& s, const std::string& dataset);
void run_stats(labkit::Run& run, const std::string& dataset);
// Writes --out DIR/conformers.xyz (extended XYZ).
void run_export(labkit::Run& run, const Settings& s, const std::string& dataset);

// Statistics of a merged dataset (the stats verb): counts, energies, forces, residuals per split.
nlohmann::json dataset_stats(const std::string& dataset);

}  // namespace labkit::qo2mol_pack
