// Applying the shared run flags to LibTorch: --device, --threads, --seed; and what this build links.
#pragma once

#include <torch/types.h>

#include <string>
#include <vector>

#include "labkit/core/tool.h"
#include "labkit/core/version.h"

namespace labkit::torchutil {

// "cpu", "cuda", "cuda:1". Throws InputError when the device does not exist in this build/machine.
torch::Device parse_device(const std::string& text);
// Sets torch's intra-op threads (0 = default_thread_count()) and seeds torch's generators.
void apply_threads_and_seed(int threads, std::uint64_t seed);
// LibTorch version, CUDA (built / available / device count) and the BLAS library actually loaded.
VersionList versions();
// The shared object that provides BLAS in this process (e.g. ".../openblas-openmp/libblas.so.3").
std::string active_blas();
int cuda_device_count();
// "NVIDIA H100 80GB HBM3 (79.1 GiB, sm_90)" per device; empty without CUDA.
std::vector<std::string> cuda_device_names();

// Registers versions() and an on_start hook applying --threads/--seed and validating --device.
void install(Tool& tool);

}  // namespace labkit::torchutil
