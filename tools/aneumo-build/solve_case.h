// One case folder: the geometry's files and, per mass-flow rate, one solved field per solver.
//   <case>/mask.nii.gz, <case>/surface.vtp (what was built is recorded in report.json, metrics.case)
//   <case>/<solver>/m=<rate>/fields.h5 (+ fields.vtp, wall.vtp)
// A flow rate whose fields.h5 exists is finished and never recomputed (the file is renamed into place
// only when complete), so a killed run resumes where it stopped.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "grid.h"
#include "labkit/core/tool.h"
#include "settings.h"

namespace labkit::aneumo_build {

// "m=0.002" (the released dataset's folder names).
std::string flow_folder(double mass_flow_kg_s);

// Solves every configured flow rate with every configured solver; returns per-rate metrics.
nlohmann::json solve_flow_rates(labkit::Run& run, const Settings& s, const Domain& d, const std::string& case_dir,
                                const std::string& source);

}  // namespace labkit::aneumo_build
