#include "labkit/core/json_file.h"

#include <filesystem>
#include <fstream>

#include "labkit/core/error.h"

namespace labkit {

nlohmann::json read_json_file(const std::string& path, const std::string& what, bool allow_comments) {
  std::error_code ec;
  // A folder opens as a stream on Linux and would read as empty: say what it is instead.
  if (std::filesystem::is_directory(path, ec)) throw input_error(path, "is a folder, expected " + what);
  std::ifstream in(path);
  if (!in) throw input_error(path, "cannot open " + what);
  try {
    return nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/true, allow_comments);
  } catch (const nlohmann::json::exception& e) {
    throw input_error(path, what + " is not valid JSON: " + e.what());
  }
}

}  // namespace labkit
