#include "labkit/core/version.h"

#include <CLI/Version.hpp>
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "labkit_build_info.h"  // generated at build time: LABKIT_GIT_HASH

namespace labkit {

const char* labkit_version() { return LABKIT_PROJECT_VERSION; }
const char* git_hash() { return LABKIT_GIT_HASH; }
const char* build_type() { return LABKIT_BUILD_TYPE; }

std::string compiler_version() {
#if defined(__clang__)
  return fmt::format("clang {}.{}.{}", __clang_major__, __clang_minor__, __clang_patchlevel__);
#elif defined(__GNUC__)
  return fmt::format("gcc {}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#else
  return "unknown";
#endif
}

VersionList core_versions() {
  return {
      {"fmt", fmt::format("{}.{}.{}", FMT_VERSION / 10000, FMT_VERSION / 100 % 100, FMT_VERSION % 100)},
      {"nlohmann_json", fmt::format("{}.{}.{}", NLOHMANN_JSON_VERSION_MAJOR, NLOHMANN_JSON_VERSION_MINOR,
                                    NLOHMANN_JSON_VERSION_PATCH)},
      {"CLI11", CLI11_VERSION},
  };
}

}  // namespace labkit
