// Progress reporting: a bar with rate and ETA redrawn in place on a terminal; on a pipe or in a SLURM
// log, a plain log line every `interval` seconds (and one at the end) instead.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace labkit {

class Progress {
 public:
  enum class Mode { kAuto, kBar, kLines };

  // total == 0 means unknown (no ETA). interval_s applies to line mode; <= 0 takes the default (10 s,
  // or LABKIT_PROGRESS_INTERVAL from the environment).
  Progress(std::string label, std::int64_t total, std::string unit = "it", double interval_s = 0,
           Mode mode = Mode::kAuto);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void advance(std::int64_t n = 1);
  void set(std::int64_t done);
  void finish();

  // The text of one status update, e.g. "train 45/100 [=====>    ] 12.3 it/s ETA 0:05". Public for tests.
  std::string render(double elapsed_s, bool bar) const;
  std::int64_t done() const { return done_; }

 private:
  void maybe_emit(bool force);

  std::string label_;
  std::int64_t total_;
  std::string unit_;
  double interval_s_;
  bool bar_;
  bool finished_ = false;
  std::int64_t done_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_emit_;
};

// "1:02:03" / "2:03" formatting used by the progress display.
std::string format_duration(double seconds);

}  // namespace labkit
