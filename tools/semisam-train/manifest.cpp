#include "manifest.h"

#include <set>

#include "labkit/core/case_manifest.h"

namespace labkit::semisam_train {

std::vector<ManifestEntry> read_manifest(const std::string& path) {
  const auto manifest = labkit::CaseManifest::read(path);  // outer shape, objects, relative paths
  const std::set<std::string> known{"name", "image", "label", "split"};
  std::vector<ManifestEntry> entries;
  std::set<std::string> names;
  bool any_train = false;
  for (std::size_t i = 0; i < manifest.size(); ++i) {
    const auto& c = manifest[i];
    const std::string where = "case " + std::to_string(i);
    if (!c.contains("image") || !c["image"].is_string()) throw manifest.error(where + ": needs an \"image\" path");
    for (auto it = c.begin(); it != c.end(); ++it)
      if (!known.count(it.key())) throw manifest.error(where + ": unknown key '" + it.key() + "'");
    for (const char* key : {"name", "label", "split"})
      if (c.contains(key) && !c[key].is_string()) throw manifest.error(where + ": name, label and split must be strings");
    ManifestEntry e;
    e.name = c.value("name", "case" + std::to_string(i));
    e.split = c.value("split", "train");
    e.image = manifest.resolve(c["image"].get<std::string>());
    e.label = c.contains("label") ? manifest.resolve(c["label"].get<std::string>()) : "";
    if (!names.insert(e.name).second) throw manifest.error("duplicate case name '" + e.name + "'");
    if (e.split != "train" && e.split != "val" && e.split != "test")
      throw manifest.error(where + ": split must be train, val or test, got \"" + e.split + "\"");
    if (e.split != "train" && e.label.empty()) throw manifest.error(where + ": a " + e.split + " case needs a label");
    any_train = any_train || e.split == "train";
    entries.push_back(std::move(e));
  }
  if (!any_train) throw manifest.error("no training case (split \"train\")");
  return entries;
}

}  // namespace labkit::semisam_train
