#include "build_summary.h"

#include <thread>

#include <H5public.h>
#include <fmt/format.h>
#ifdef LABKIT_INFO_WITH_TORCH
#include <ATen/Parallel.h>

#include "labkit/torchutil/runtime.h"
#endif
#ifdef LABKIT_INFO_WITH_ITK
#include "labkit/imageio/image.h"
#endif

namespace labkit::info {

VersionList linked_versions() {
  VersionList v{{"HDF5", fmt::format("{}.{}.{}", H5_VERS_MAJOR, H5_VERS_MINOR, H5_VERS_RELEASE)}};
#ifdef LABKIT_INFO_WITH_ITK
  for (auto& entry : imageio::versions()) v.push_back(entry);
#endif
  return v;
}

nlohmann::json build_summary() {
  nlohmann::json versions = nlohmann::json::object();
  for (const auto& [name, version] : core_versions()) versions[name] = version;
  for (const auto& [name, version] : linked_versions()) versions[name] = version;
#ifdef LABKIT_INFO_WITH_TORCH
  for (const auto& [name, version] : torchutil::versions()) versions[name] = version;
#endif

  nlohmann::json j{
      {"labkit", {{"version", labkit_version()}, {"git", git_hash()}, {"build_type", build_type()},
                  {"compiler", compiler_version()}}},
      {"versions", versions},
      {"threads", {{"hardware_concurrency", std::thread::hardware_concurrency()}}},
      {"features", {{"torch", false}, {"itk", false}, {"cuda", false}}},
      {"cuda", {{"device_count", 0}}},
  };
#ifdef LABKIT_INFO_WITH_TORCH
  j["features"]["torch"] = true;
  j["threads"]["torch_intra_op"] = at::get_num_threads();
  j["threads"]["torch_inter_op"] = at::get_num_interop_threads();
  j["cuda"]["device_count"] = torchutil::cuda_device_count();
  j["cuda"]["devices"] = torchutil::cuda_device_names();
#ifdef LABKIT_HAVE_CUDA
  j["features"]["cuda"] = true;
#endif
#endif
#ifdef LABKIT_INFO_WITH_ITK
  j["features"]["itk"] = true;
#endif
  return j;
}

}  // namespace labkit::info
