// One rank of a data-parallel training test: a tiny LLaMA, 3 steps of 4 micro-batches each, this rank
// taking micro-batches rank, rank + world, ... Rank 0 also trains a single-process replica on all four
// and requires the same weights (float32 summation order aside). Prints a digest of the final weights,
// which two_rank_train_test.sh requires to be equal on both ranks (replicas bit-identical).
#include <torch/torch.h>

#include <cstdio>
#include <functional>
#include <random>
#include <string_view>

#include "labkit/distributed/process_group.h"
#include "labkit/llama/train.h"
#include "tiny_config.h"

using namespace labkit::llama;

namespace {

using labkit::llama::test::tiny_config;

std::vector<std::vector<Batch>> global_batches() {
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<int64_t> tok(0, 10);
  std::vector<std::vector<Batch>> steps(3);
  for (auto& micro : steps)
    for (int m = 0; m < 4; ++m) {
      auto tokens = torch::empty({2, 8}, torch::kLong);
      auto mask = torch::zeros({2, 8}, torch::kLong);
      for (int64_t b = 0; b < 2; ++b)
        for (int64_t t = 0; t < 8; ++t) {
          tokens[b][t] = tok(rng);
          mask[b][t] = t >= 3 + m ? 1 : 0;  // uneven target counts: the mean must be over all ranks' targets
        }
      micro.push_back({tokens, mask});
    }
  return steps;
}

OptimizerSettings settings() {
  OptimizerSettings s;
  s.lr = 3e-3, s.warmup_steps = 1, s.total_steps = 3, s.weight_decay = 0.1, s.grad_clip = 0.5;
  return s;
}

}  // namespace

int main() {
  try {
    torch::set_num_threads(1);
    const auto env = labkit::distributed::launch_env_from_environment();
    auto group = labkit::distributed::ProcessGroup::create(env, torch::kCPU, std::chrono::seconds(60));
    const int rank = group->rank(), world = group->world_size();
    // Each rank starts from different weights: set_process_group must make rank 0's the common start.
    auto model = init_model(tiny_config(), 9 + static_cast<uint64_t>(rank));
    Trainer trainer(model, settings());
    trainer.set_process_group(group.get());
    double last_loss = 0;
    for (const auto& micro : global_batches()) {
      std::vector<Batch> mine;
      for (size_t m = rank; m < micro.size(); m += world) mine.push_back(micro[m]);
      last_loss = trainer.step(mine).loss;
    }
    if (rank == 0) {
      auto single = init_model(tiny_config(), 9);
      Trainer reference(single, settings());
      double reference_loss = 0;
      for (const auto& micro : global_batches()) reference_loss = reference.step(micro).loss;
      double worst = 0;
      for (const auto& [name, w] : single.weights)
        worst = std::max(worst, (w - model.weights.at(name)).abs().max().item<double>());
      std::printf("rank 0: max |data-parallel - single process| = %.3g, loss %.9g vs %.9g\n", worst, last_loss, reference_loss);
      if (!(worst < 1e-6) || std::abs(last_loss - reference_loss) > 1e-6) {
        std::fprintf(stderr, "rank 0: data-parallel training differs from the single-process run\n");
        return 1;
      }
    }
    size_t digest = 0;
    for (const auto& [name, w] : model.weights) {
      const auto c = w.detach().contiguous();
      digest = digest * 31 + std::hash<std::string_view>()(
                                 std::string_view(static_cast<const char*>(c.data_ptr()), c.numel() * c.element_size()));
    }
    std::printf("rank %d/%d digest %zx\n", rank, world, digest);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "worker failed: %s\n", e.what());
    return 1;
  }
}
