// What a binary was built from and with: git hash, compiler, and the versions of linked libraries.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace labkit {

using VersionList = std::vector<std::pair<std::string, std::string>>;  // (component, version)

const char* labkit_version();  // project version, e.g. "0.1.0"
const char* git_hash();        // short hash, with "-dirty" when the tree had changes; "unknown" outside git
const char* build_type();
std::string compiler_version();

// The libraries every tool links through core: fmt, nlohmann_json, CLI11.
VersionList core_versions();

}  // namespace labkit
