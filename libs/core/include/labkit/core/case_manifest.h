// An input manifest, `--manifest FILE` (CONTRIBUTING flag glossary): `{"cases": [{...}, ...]}`, a
// non-empty list of objects whose file paths are relative to the manifest's folder. The tool checks the
// keys of each case; this reads the file, checks the outer shape and resolves paths.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

#include "labkit/core/error.h"

namespace labkit {

class CaseManifest {
 public:
  // InputError naming `path` when it cannot be read, is not JSON, has no non-empty "cases" list, or a
  // case is not a JSON object.
  static CaseManifest read(const std::string& path);

  const std::string& path() const { return path_; }
  std::size_t size() const { return cases_.size(); }
  const nlohmann::json& operator[](std::size_t i) const { return cases_[i]; }

  // A path written in the manifest as the program must open it: absolute paths stay, relative ones are
  // joined to the manifest's folder, and "" (an optional file left out) stays "".
  std::string resolve(const std::string& p) const;
  // InputError("PATH: problem"): errors about a case name the manifest.
  InputError error(const std::string& problem) const { return input_error(path_, problem); }

 private:
  std::string path_;
  std::string folder_;
  nlohmann::json cases_;
};

}  // namespace labkit
