#include "manifest.h"

#include <fmt/format.h>

#include <filesystem>
#include <set>

#include "labkit/core/error.h"
#include "labkit/core/json_file.h"

namespace labkit::puir_train {

namespace fs = std::filesystem;

namespace {

std::string stem(const std::string& p) {
  std::string s = fs::path(p).filename().string();
  for (const char* ext : {".nii.gz", ".nii", ".nrrd", ".mha", ".mhd"}) {
    const std::string e = ext;
    if (s.size() > e.size() && s.compare(s.size() - e.size(), e.size(), e) == 0) return s.substr(0, s.size() - e.size());
  }
  return s;
}

CaseFiles read_case(const nlohmann::json& c, const std::string& split, size_t index, const std::string& path,
                    const std::vector<std::string>& modalities) {
  const fs::path folder = fs::path(path).parent_path();
  auto fail = [&](const std::string& who, const std::string& problem) {
    return labkit::input_error(path, fmt::format("case {} ({}): {}", index, who, problem));
  };
  if (!c.is_object()) throw fail("?", "is not a JSON object");
  std::string who = "?";
  if (c.contains("name")) {
    if (!c["name"].is_string() || c["name"].get<std::string>().empty()) throw fail("?", "\"name\" must be a non-empty string");
    who = c["name"].get<std::string>();
  }
  auto resolve = [&](const std::string& key) {
    const auto& v = c[key];
    if (!v.is_string() || v.get<std::string>().empty()) throw fail(who, "\"" + key + "\" must be a file path");
    const fs::path p = v.get<std::string>();
    const std::string full = (p.is_absolute() ? p : folder / p).lexically_normal().string();
    if (!fs::exists(full)) throw fail(who, "\"" + key + "\": " + full + " does not exist");
    return full;
  };
  CaseFiles f;
  f.split = split;
  for (const auto& m : modalities) {
    if (!c.contains(m)) throw fail(who, "missing the modality key \"" + m + "\"");
    f.images.push_back(resolve(m));
  }
  if (c.contains("seg")) f.seg = resolve("seg");
  f.name = who != "?" ? who : stem(f.images.front());
  return f;
}

}  // namespace

std::vector<CaseFiles> read_manifest(const std::string& path, const std::vector<std::string>& modalities) {
  const auto j = labkit::read_json_file(path, "the manifest");
  if (!j.is_object()) throw labkit::input_error(path, "the manifest must be a JSON object");
  std::vector<CaseFiles> cases;
  auto read_list = [&](const char* key, const std::string& split) {
    if (!j.contains(key)) return;
    if (!j[key].is_array()) throw labkit::input_error(path, fmt::format("\"{}\" must be a list of cases", key));
    for (const auto& c : j[key]) {
      std::string s = split;
      if (s.empty()) {  // labkit form: each case names its split
        if (!c.is_object() || !c.contains("split") || !c["split"].is_string())
          throw labkit::input_error(path, fmt::format("case {}: needs \"split\": \"train\" or \"val\"", cases.size()));
        s = c["split"].get<std::string>();
        if (s != "train" && s != "val")
          throw labkit::input_error(path, fmt::format("case {}: split must be \"train\" or \"val\"", cases.size()));
      }
      cases.push_back(read_case(c, s, cases.size(), path, modalities));
    }
  };
  read_list("training", "train");
  read_list("validation", "val");
  read_list("cases", "");
  if (cases.empty())
    throw labkit::input_error(path, "no cases: expected a non-empty \"training\" (Decathlon) or \"cases\" list");
  std::set<std::string> names;
  for (const auto& c : cases)
    if (!names.insert(c.name).second) throw labkit::input_error(path, "two cases are named \"" + c.name + "\"");
  return cases;
}

std::vector<CaseFiles> of_split(const std::vector<CaseFiles>& cases, const std::string& split) {
  std::vector<CaseFiles> out;
  for (const auto& c : cases)
    if (c.split == split) out.push_back(c);
  return out;
}

}  // namespace labkit::puir_train
