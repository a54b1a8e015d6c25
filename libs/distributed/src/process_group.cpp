#include "labkit/distributed/process_group.h"

#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/torch.h>

#include "labkit/core/error.h"
#ifdef LABKIT_HAVE_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef LABKIT_HAVE_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

namespace labkit::distributed {
namespace {

// World size 1: every collective is the identity.
class SingleProcessGroup final : public ProcessGroup {
 public:
  SingleProcessGroup() : ProcessGroup(0, 1) {}
  std::string backend() const override { return "single"; }
  void all_reduce_sum(std::vector<torch::Tensor>&) override {}
  void broadcast(std::vector<torch::Tensor>&, int) override {}
  void barrier() override {}
};

// Any c10d backend class (ProcessGroupGloo, ProcessGroupNCCL): their collective signatures agree
// between LibTorch 1.13 and 2.x, so one template covers both.
template <typename Backend>
class C10dProcessGroup final : public ProcessGroup {
 public:
  C10dProcessGroup(int rank, int world_size, std::string name, c10::intrusive_ptr<c10d::Store> store,
                   c10::intrusive_ptr<Backend> backend)
      : ProcessGroup(rank, world_size), name_(std::move(name)), store_(std::move(store)), pg_(std::move(backend)) {}
  std::string backend() const override { return name_; }
  void all_reduce_sum(std::vector<torch::Tensor>& tensors) override {
    c10d::AllreduceOptions opts;
    opts.reduceOp = c10d::ReduceOp::SUM;
    pg_->allreduce(tensors, opts)->wait();
  }
  void broadcast(std::vector<torch::Tensor>& tensors, int root) override {
    c10d::BroadcastOptions opts;
    opts.rootRank = root;
    pg_->broadcast(tensors, opts)->wait();
  }
  void barrier() override { pg_->barrier()->wait(); }

 private:
  std::string name_;
  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<Backend> pg_;
};

c10::intrusive_ptr<c10d::Store> make_store(const LaunchEnv& env, std::chrono::milliseconds timeout) {
  c10d::TCPStoreOptions opts;
  opts.port = static_cast<std::uint16_t>(env.master_port);
  opts.isServer = env.rank == 0;
  opts.numWorkers = static_cast<std::size_t>(env.world_size);
  opts.waitWorkers = true;
  opts.timeout = timeout;
  try {
    return c10::make_intrusive<c10d::TCPStore>(env.master_addr, opts);
  } catch (const std::exception& e) {
    throw std::runtime_error("distributed: cannot reach the rendezvous at " + env.master_addr + ":" +
                             std::to_string(env.master_port) + " as rank " + std::to_string(env.rank) + ": " +
                             e.what());
  }
}

}  // namespace

void ProcessGroup::average(std::vector<torch::Tensor>& tensors) {
  all_reduce_sum(tensors);
  if (world_size_ > 1)
    for (auto& t : tensors) t.div_(world_size_);
}

std::unique_ptr<ProcessGroup> ProcessGroup::create(const LaunchEnv& env, const torch::Device& device,
                                                   std::chrono::milliseconds timeout) {
  if (env.world_size == 1) return std::make_unique<SingleProcessGroup>();
  auto store = make_store(env, timeout);
  if (device.is_cuda()) {
#ifdef LABKIT_HAVE_NCCL
    auto opts = c10d::ProcessGroupNCCL::Options::create();
    opts->timeout = timeout;
    auto pg = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, env.rank, env.world_size, opts);
    return std::make_unique<C10dProcessGroup<c10d::ProcessGroupNCCL>>(env.rank, env.world_size, "nccl", store, pg);
#else
    throw InputError("distributed: this build has no NCCL; use --device cpu (Gloo) or rebuild against a CUDA LibTorch");
#endif
  }
#ifdef LABKIT_HAVE_GLOO
  auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
  // Gloo needs at least one transport device; the rendezvous address tells which interface to use.
  const bool local = env.master_addr == "127.0.0.1" || env.master_addr == "localhost";
  opts->devices.push_back(local ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                                : c10d::ProcessGroupGloo::createDefaultDevice());
  auto pg = c10::make_intrusive<c10d::ProcessGroupGloo>(store, env.rank, env.world_size, opts);
  return std::make_unique<C10dProcessGroup<c10d::ProcessGroupGloo>>(env.rank, env.world_size, "gloo", store, pg);
#else
  throw InputError("distributed: this build has no Gloo (gloo headers were missing at build time); "
                   "CPU training can only run with world size 1");
#endif
}

}  // namespace labkit::distributed
