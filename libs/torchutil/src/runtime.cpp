#include "labkit/torchutil/runtime.h"

#include <link.h>
#include <torch/cuda.h>
#include <torch/utils.h>
#include <ATen/Version.h>

#include <climits>
#include <cstdlib>
#include <filesystem>

#include "labkit/core/error.h"
#include "labkit/core/threads.h"
#include "labkit/torchutil/compat.h"

#ifdef LABKIT_HAVE_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <fmt/format.h>
#endif

namespace labkit::torchutil {

torch::Device parse_device(const std::string& text) {
  if (text != "cpu" && text.rfind("cuda", 0) != 0)
    throw InputError("--device " + text + ": expected cpu, cuda or cuda:N");
  torch::Device device(torch::kCPU);
  try {
    device = torch::Device(text);
  } catch (const std::exception&) {
    throw InputError("--device " + text + ": expected cpu, cuda or cuda:N");
  }
  if (device.is_cuda()) {
    const int n = cuda_device_count();
    if (n == 0)
      throw InputError("--device " + text + ": no CUDA device available (this LibTorch " +
                       std::string(torch::cuda::is_available() ? "sees none" : "has no usable CUDA") + ")");
    if (device.has_index() && device.index() >= n)
      throw InputError("--device " + text + ": only " + std::to_string(n) + " CUDA device(s)");
  }
  return device;
}

int cuda_device_count() { return torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count()) : 0; }

std::vector<std::string> cuda_device_names() {
  std::vector<std::string> names;
#ifdef LABKIT_HAVE_CUDA
  for (int i = 0; i < cuda_device_count(); ++i) {
    const cudaDeviceProp* p = at::cuda::getDeviceProperties(i);
    names.push_back(fmt::format("{} ({:.1f} GiB, sm_{}{})", p->name, p->totalGlobalMem / double(1 << 30), p->major,
                                p->minor));
  }
#endif
  return names;
}

void apply_threads_and_seed(int threads, std::uint64_t seed) {
  torch::set_num_threads(threads > 0 ? threads : default_thread_count());
  torch::manual_seed(seed);
}

namespace {

// The BLAS_INFO entry of LibTorch's build configuration ("mkl", "open", "generic", ...).
std::string torch_blas_info() {
  const std::string config = at::show_config();
  const auto pos = config.find("BLAS_INFO=");
  if (pos == std::string::npos) return "";
  const auto end = config.find_first_of(", \n", pos);
  return config.substr(pos + 10, end == std::string::npos ? std::string::npos : end - pos - 10);
}

}  // namespace

std::string active_blas() {
  // A host BLAS loaded as a shared library (Debian: the libblas.so.3 alternative). GPU BLAS (cuBLAS)
  // is not what CPU matmuls use, so it is skipped.
  std::string found;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) {
        const std::string name = info->dlpi_name ? info->dlpi_name : "";
        const auto slash = name.rfind('/');
        const std::string base = slash == std::string::npos ? name : name.substr(slash + 1);
        const bool host_blas = base.find("blas") != std::string::npos && base.find("cublas") == std::string::npos &&
                               base.find("hipblas") == std::string::npos;
        if (host_blas || base.find("libmkl_rt") == 0) {
          std::error_code ec;
          const auto real = std::filesystem::canonical(name, ec);
          *static_cast<std::string*>(data) = ec ? name : real.string();
          return 1;
        }
        return 0;
      },
      &found);
  const std::string info = torch_blas_info();
  if (!found.empty()) return found;
  return info.empty() ? "unknown" : info + " (linked into LibTorch)";
}

VersionList versions() {
  VersionList v{{"LibTorch", torchutil::version_string()}};
#ifdef LABKIT_HAVE_CUDA
  v.emplace_back("CUDA build", "yes");
#else
  v.emplace_back("CUDA build", "no");
#endif
  v.emplace_back("CUDA devices", std::to_string(cuda_device_count()));
  v.emplace_back("BLAS", active_blas());
  return v;
}

void install(Tool& tool) {
  tool.add_versions(versions());
  tool.on_start([](Run& run) {
    apply_threads_and_seed(run.threads(), run.seed());
    if (!run.device().empty()) parse_device(run.device());
  });
}

}  // namespace labkit::torchutil
