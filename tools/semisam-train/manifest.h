// semisam-train's `--manifest FILE`: the cases and their splits, checked before any image is opened.
// Torch-free, so that the fuzz harness (fuzz/semisam_manifest_fuzz.cpp) builds it on its own.
#pragma once

#include <string>
#include <vector>

namespace labkit::semisam_train {

struct ManifestEntry {
  std::string name;
  std::string image;  // resolved against the manifest's folder
  std::string label;  // "" for an unlabeled training case
  std::string split;  // train, val or test
};

// {"cases": [{"image": ..., "label"?: ..., "name"?: ..., "split"?: train|val|test}, ...]}.
// InputError naming the manifest for an unknown key, a non-string value, a duplicate name, an unknown
// split, a val/test case without a label, or no training case.
std::vector<ManifestEntry> read_manifest(const std::string& path);

}  // namespace labkit::semisam_train
