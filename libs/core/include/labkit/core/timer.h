// Scoped timers whose totals land in report.json under "timings".
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

namespace labkit {

class Timings {
 public:
  void add(const std::string& name, double seconds);
  double seconds(const std::string& name) const;
  // {"name": {"seconds": s, "count": n}, ...}
  nlohmann::json to_json() const;

 private:
  struct Entry {
    double seconds = 0;
    long count = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

class ScopedTimer {
 public:
  ScopedTimer(Timings& sink, std::string name)
      : sink_(sink), name_(std::move(name)), start_(std::chrono::steady_clock::now()) {}
  ~ScopedTimer() { sink_.add(name_, elapsed()); }
  double elapsed() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }
  ScopedTimer(const ScopedTimer&) = delete;
  ScopedTimer& operator=(const ScopedTimer&) = delete;

 private:
  Timings& sink_;
  std::string name_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace labkit
