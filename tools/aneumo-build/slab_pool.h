// A fixed set of worker threads that run one job per call, each on its own part (the LBM's z-slabs):
// cheaper than starting threads every time step.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace labkit::aneumo_build {

class SlabPool {
 public:
  explicit SlabPool(int threads);
  ~SlabPool();
  SlabPool(const SlabPool&) = delete;
  SlabPool& operator=(const SlabPool&) = delete;

  int size() const { return size_; }
  // Runs job(part) for part = 0..size()-1, part 0 on the calling thread; returns when all are done.
  void run(const std::function<void(int part)>& job);

 private:
  void worker(int part);
  int size_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable start_, done_;
  const std::function<void(int)>* job_ = nullptr;
  long generation_ = 0;
  int pending_ = 0;
  bool stop_ = false;
};

}  // namespace labkit::aneumo_build
