// The verbs of aneumo-build, each a named step over Settings; main.cpp only dispatches.
#pragma once

#include <string>

#include "labkit/core/tool.h"
#include "settings.h"

namespace labkit::aneumo_build {

struct Inputs {
  std::string mask;     // --mask: .nii/.nii.gz/.npy
  std::string surface;  // --surface: closed .stl/.vtp in mm, voxelised at spacing_mm
  int64_t count = 5;    // dataset: number of generated geometries
};

// Poiseuille validation: every solver at every resolution, analytic errors, observed order.
void run_poiseuille(labkit::Run& run, const Settings& s);
// One case: the configured shape (or --mask, or --surface), its files, then every flow rate (resumable).
void run_case(labkit::Run& run, const Settings& s, const Inputs& in);
// A generated dataset: `count` aneurysm geometries varied by seed, this shard's share, every flow rate.
void run_dataset(labkit::Run& run, const Settings& s, const Inputs& in);
// LBM throughput on 1 and all threads vs the measured copy bandwidth.
void run_bench(labkit::Run& run, const Settings& s);

}  // namespace labkit::aneumo_build
