// The multi-modal case list: a Decathlon-style JSON as upstream's BRATS23_GLI.json
// ({"training": [{"t1n": PATH, "t1c": PATH, "t2w": PATH, "t2f": PATH, "seg": PATH}, ...], "validation": [...]})
// or labkit's {"cases": [{..., "split": "train"|"val"}]}. Paths are relative to the manifest. No torch,
// no image reading: fuzz/puir_manifest_fuzz.cpp feeds it arbitrary bytes.
#pragma once

#include <string>
#include <vector>

namespace labkit::puir_train {

struct CaseFiles {
  std::string name;                 // "name" when given, else the first modality's file name without extension
  std::string split;                // "train" or "val"
  std::vector<std::string> images;  // one per configured modality, in channel order (resolved paths)
  std::string seg;                  // optional ("" when absent)
};

// InputError naming the manifest and the case (index and name) when a modality key is missing or not a
// string, a file does not exist, a split is unknown, or the lists are missing or empty.
std::vector<CaseFiles> read_manifest(const std::string& path, const std::vector<std::string>& modalities);

// The cases of one split.
std::vector<CaseFiles> of_split(const std::vector<CaseFiles>& cases, const std::string& split);

}  // namespace labkit::puir_train
