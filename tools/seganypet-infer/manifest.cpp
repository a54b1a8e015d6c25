#include "manifest.h"

#include <fmt/format.h>

#include <filesystem>
#include <set>

#include "labkit/core/case_manifest.h"
#include "labkit/core/error.h"

namespace fs = std::filesystem;

namespace labkit::seganypet_infer {

std::vector<CaseSpec> read_manifest(const std::string& path) {
  const auto manifest = labkit::CaseManifest::read(path);  // outer shape, objects, relative paths
  auto resolve = [&](const std::string& p) { return manifest.resolve(p); };
  std::vector<CaseSpec> cases;
  std::set<std::string> names;
  for (size_t i = 0; i < manifest.size(); ++i) {
    const auto& c = manifest[i];
    const std::string where = fmt::format("case {}", i);
    // A field that is there but not a string ("name": 5) made json::value throw type_error, which ended
    // the tool with exit 1 (found with fuzz/seganypet_manifest_fuzz).
    auto text = [&](const char* key) -> std::string {
      if (!c.contains(key)) return "";
      if (!c[key].is_string()) throw input_error(path, where + ": \"" + key + "\" must be a string");
      return c[key].get<std::string>();
    };
    CaseSpec s;
    s.name = text("name");
    s.image = resolve(text("image"));
    s.gt = resolve(text("gt"));
    s.prompts = resolve(text("prompts"));
    if (s.name.empty() || s.name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != std::string::npos)
      throw input_error(path, where + ": \"name\" must be non-empty and use only letters, digits, '.', '_', '-'");
    if (!names.insert(s.name).second) throw input_error(path, where + ": name '" + s.name + "' used twice");
    if (s.image.empty()) throw input_error(path, where + " (" + s.name + ") has no \"image\"");
    if (s.gt.empty() == s.prompts.empty()) throw input_error(path, where + " (" + s.name + ") needs exactly one of \"gt\" or \"prompts\"");
    for (const auto* f : {&s.image, &s.gt, &s.prompts})
      if (!f->empty() && !fs::exists(*f)) throw input_error(path, where + " (" + s.name + "): " + *f + " does not exist");
    s.mask_name = s.name + ".mask.nii.gz";
    cases.push_back(std::move(s));
  }
  return cases;
}

}  // namespace labkit::seganypet_infer
