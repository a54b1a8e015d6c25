#include "labkit/core/case_manifest.h"

#include <filesystem>

#include "labkit/core/json_file.h"

namespace labkit {

namespace fs = std::filesystem;

CaseManifest CaseManifest::read(const std::string& path) {
  CaseManifest m;
  m.path_ = path;
  m.folder_ = fs::path(path).parent_path().string();
  nlohmann::json j = read_json_file(path, "the manifest");
  if (!j.is_object() || !j.contains("cases") || !j["cases"].is_array() || j["cases"].empty())
    throw m.error("expected {\"cases\": [...]} with at least one case");
  m.cases_ = std::move(j["cases"]);
  for (std::size_t i = 0; i < m.cases_.size(); ++i)
    if (!m.cases_[i].is_object()) throw m.error("case " + std::to_string(i) + " is not an object");
  return m;
}

std::string CaseManifest::resolve(const std::string& p) const {
  if (p.empty() || fs::path(p).is_absolute()) return p;
  return (fs::path(folder_) / p).string();
}

}  // namespace labkit
