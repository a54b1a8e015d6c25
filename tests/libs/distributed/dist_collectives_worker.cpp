// One rank of a distributed test job: joins the group from the launch environment, all-reduces and
// broadcasts known tensors, and exits 0 only if every value is what the collective must produce.
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>

#include "labkit/distributed/process_group.h"

int main(int argc, char** argv) {
  try {
    const auto env = labkit::distributed::launch_env_from_environment();
    const torch::Device device(argc > 1 ? argv[1] : "cpu");
    auto pg = labkit::distributed::ProcessGroup::create(env, device, std::chrono::seconds(60));
    const int r = pg->rank(), n = pg->world_size();

    // all-reduce: rank r holds (r+1) * [1, 2, 3]; the sum is n(n+1)/2 * [1, 2, 3].
    std::vector<torch::Tensor> t{torch::tensor({1.0, 2.0, 3.0}, torch::kFloat64).to(device) * (r + 1)};
    pg->all_reduce_sum(t);
    const double s = n * (n + 1) / 2.0;
    const auto expected = torch::tensor({s, 2 * s, 3 * s}, torch::kFloat64).to(device);
    if (!torch::equal(t[0], expected)) {
      std::fprintf(stderr, "rank %d: all-reduce gave wrong values\n", r);
      return 1;
    }
    // broadcast from the last rank: everyone ends with its value.
    std::vector<torch::Tensor> b{torch::full({4}, static_cast<float>(r), torch::TensorOptions().device(device))};
    pg->broadcast(b, n - 1);
    if (!torch::equal(b[0], torch::full({4}, static_cast<float>(n - 1), torch::TensorOptions().device(device)))) {
      std::fprintf(stderr, "rank %d: broadcast gave wrong values\n", r);
      return 1;
    }
    pg->barrier();
    std::printf("rank %d/%d %s ok\n", r, n, pg->backend().c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "worker failed: %s\n", e.what());
    return 1;
  }
}
