// What this labkit build is: versions, threads, BLAS, CUDA devices.
#pragma once

#include <nlohmann/json.hpp>

#include "labkit/core/version.h"

namespace labkit::info {

// Versions of every library this binary links (also shown by --version).
VersionList linked_versions();
// {"labkit": {...}, "versions": {...}, "threads": {...}, "cuda": {...}, "features": {...}}
nlohmann::json build_summary();

}  // namespace labkit::info
