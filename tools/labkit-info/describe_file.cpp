#include "describe_file.h"

#include <filesystem>

#include "file_kind.h"
#include "labkit/core/error.h"
#include "labkit/core/json_file.h"
#include "labkit/tensorio/h5.h"
#include "labkit/tensorio/safetensors.h"
#ifdef LABKIT_INFO_WITH_ITK
#include "labkit/imageio/image.h"
#endif

namespace labkit::info {
using namespace tensorio;  // H5File, safetensors and dtypes (libs/tensorio)
namespace {

nlohmann::json describe_safetensors(const std::string& path, int limit) {
  const auto file = SafetensorsFile::open(path);
  nlohmann::json tensors = nlohmann::json::array();
  std::int64_t parameters = 0;
  std::size_t bytes = 0;
  for (const auto& t : file->tensors()) {
    parameters += t.numel();
    bytes += t.nbytes;
    if (static_cast<int>(tensors.size()) < limit)
      tensors.push_back({{"name", t.name}, {"dtype", dtype_name(t.dtype)}, {"shape", t.shape}});
  }
  return {{"tensor_count", file->tensors().size()}, {"parameters", parameters}, {"data_bytes", bytes},
          {"metadata", file->metadata()}, {"tensors", tensors}};
}

nlohmann::json describe_hdf5(const std::string& path, int limit) {
  H5File file = H5File::open_read(path);
  nlohmann::json objects = describe_tree(file)["objects"];
  nlohmann::json out{{"object_count", objects.size()}};
  if (static_cast<int>(objects.size()) > limit) objects.erase(objects.begin() + limit, objects.end());
  out["objects"] = objects;
  return out;
}

// A folder a labkit tool wrote: which tool, whether it finished, and its scalar metrics (arrays and
// objects are summarised by their size; report.json has them whole).
nlohmann::json describe_run_folder(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path dir(path);
  std::error_code ec;
  nlohmann::json j{{"finished", fs::exists(dir / "report.json", ec)}};
  if (!j["finished"].get<bool>()) {
    j["tool"] = nullptr;
    j["config_keys"] = read_json_file((dir / "config.json").string(), "config.json").size();
    return j;
  }
  const auto report = read_json_file((dir / "report.json").string(), "report.json");
  if (!report.is_object() || !report.contains("tool"))
    throw input_error((dir / "report.json").string(), "not a labkit report (no \"tool\")");
  j["tool"] = report["tool"];
  for (const char* key : {"git", "started_utc", "wall_seconds"})
    if (report.contains(key)) j[key] = report[key];
  nlohmann::json metrics = nlohmann::json::object();
  const auto& m = report.value("metrics", nlohmann::json::object());
  for (auto it = m.begin(); it != m.end(); ++it)
    metrics[it.key()] = it->is_structured() ? nlohmann::json(std::to_string(it->size()) + (it->is_array() ? " entries" : " keys"))
                                            : *it;
  j["metrics"] = metrics;
  return j;
}

#ifdef LABKIT_INFO_WITH_ITK
nlohmann::json describe_image(const std::string& path) {
  const imageio::ImageInfo info = imageio::read_info(path);
  nlohmann::json j{{"format", info.format},   {"dimension", info.dimension}, {"size", info.size},
          {"spacing", info.spacing}, {"origin", info.origin},       {"direction", info.direction},
          {"pixel_type", info.pixel_type}, {"components", info.components}};
  if (info.dimension == 3) {  // anatomical axis letters, as nibabel's aff2axcodes names them
    imageio::Geometry g;
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) g.direction[3 * a + b] = info.direction[3 * a + b];
    j["orientation"] = imageio::orientation_code(g);
  }
  return j;
}
#endif

}  // namespace

nlohmann::json describe_file(const std::string& path, int limit) {
  FileKind kind = detect_file_kind(path);
  nlohmann::json j{{"path", path}};
  switch (kind) {
    case FileKind::kHdf5:
      j["kind"] = "hdf5";
      j.update(describe_hdf5(path, limit));
      return j;
    case FileKind::kSafetensors:
      j["kind"] = "safetensors";
      j.update(describe_safetensors(path, limit));
      return j;
    case FileKind::kLabkitRun:
      j["kind"] = "labkit-run";
      j.update(describe_run_folder(path));
      return j;
    case FileKind::kImage:
    case FileKind::kDicomSeries:
    case FileKind::kUnknown:
#ifdef LABKIT_INFO_WITH_ITK
      // ITK also recognises formats by content, so unknown files get one try as an image.
      try {
        j["kind"] = "image";
        j.update(describe_image(path));
        return j;
      } catch (const InputError&) {
        if (kind != FileKind::kUnknown) throw;
      }
#else
      if (kind != FileKind::kUnknown)
        throw input_error(path, "looks like a medical image, but this build has no ITK (LABKIT_WITH_ITK=OFF)");
#endif
      throw input_error(path, "unrecognised file format (expected HDF5, safetensors, NIfTI, MetaImage, NRRD or DICOM)");
  }
  return j;
}

}  // namespace labkit::info
