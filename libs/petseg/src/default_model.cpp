#include "labkit/petseg/default_model.h"

#include <cstdlib>
#include <filesystem>

namespace labkit::petseg {

std::string default_model_path() {
  namespace fs = std::filesystem;
  const char* dir = std::getenv("LABKIT_MODEL_DIR");
  const char* home = std::getenv("HOME");
  const fs::path base = dir && *dir ? fs::path(dir) : fs::path(home ? home : ".") / ".cache" / "labkit" / "models";
  return (base / "seganypet" / "default.safetensors").string();
}

}  // namespace labkit::petseg
