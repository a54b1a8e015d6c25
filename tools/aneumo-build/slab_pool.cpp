#include "slab_pool.h"

namespace labkit::aneumo_build {

SlabPool::SlabPool(int threads) : size_(threads < 1 ? 1 : threads) {
  for (int p = 1; p < size_; ++p) threads_.emplace_back([this, p] { worker(p); });
}

SlabPool::~SlabPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  start_.notify_all();
  for (auto& t : threads_) t.join();
}

void SlabPool::run(const std::function<void(int)>& job) {
  if (size_ == 1) return job(0);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = &job;
    pending_ = size_ - 1;
    ++generation_;
  }
  start_.notify_all();
  job(0);
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [this] { return pending_ == 0; });
}

void SlabPool::worker(int part) {
  long seen = 0;
  for (;;) {
    const std::function<void(int)>* job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      start_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      job = job_;
    }
    (*job)(part);
    std::lock_guard<std::mutex> lock(mutex_);
    if (--pending_ == 0) done_.notify_one();
  }
}

}  // namespace labkit::aneumo_build
