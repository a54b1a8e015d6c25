// The one place where labkit meets differences between LibTorch versions. Debian ships 1.13 (CPU);
// GPU machines use a 2.x LibTorch from a PyTorch installation. Code elsewhere uses only APIs present in
// both, and anything that differs goes here.
#pragma once

#include <torch/version.h>

#include <string>

#define LABKIT_TORCH_VERSION_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace labkit::torchutil {

inline std::string version_string() { return TORCH_VERSION; }

}  // namespace labkit::torchutil
