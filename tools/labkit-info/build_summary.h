// What this labkit build is: versions, threads, BLAS, CUDA devices.
#pragma once

#include <nlohmann/json.hpp>

#include "labkit/core/version.h"

namespace labkit::info {

// Versions of the libraries labkit-info links beyond core and torch (HDF5, ITK, GDCM); torchutil::install adds
// LibTorch, CUDA and BLAS to --version itself, so they are not repeated here.
VersionList linked_versions();
// {"labkit": {...}, "versions": {...}, "threads": {...}, "cuda": {...}, "features": {...}}
nlohmann::json build_summary();

}  // namespace labkit::info
