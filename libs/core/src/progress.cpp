#include "labkit/core/progress.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "labkit/core/log.h"
#include "labkit/core/terminal.h"

namespace labkit {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<long long>(std::llround(seconds));
  if (s >= 3600) return fmt::format("{}:{:02d}:{:02d}", s / 3600, static_cast<int>(s / 60 % 60), static_cast<int>(s % 60));
  return fmt::format("{}:{:02d}", s / 60, static_cast<int>(s % 60));
}

Progress::Progress(std::string label, std::int64_t total, std::string unit, double interval_s, Mode mode)
    : label_(std::move(label)), total_(total), unit_(std::move(unit)) {
  if (interval_s <= 0) {
    const char* env = std::getenv("LABKIT_PROGRESS_INTERVAL");
    interval_s = env ? std::atof(env) : 10.0;
    if (interval_s <= 0) interval_s = 10.0;
  }
  interval_s_ = interval_s;
  bar_ = mode == Mode::kBar || (mode == Mode::kAuto && terminal::stderr_is_tty() && log::format() == log::Format::kText);
  if (bar_) interval_s_ = 0.1;  // redraw at most 10 times a second
  start_ = last_emit_ = std::chrono::steady_clock::now();
}

Progress::~Progress() {
  if (!finished_ && bar_) terminal::set_status_line("");
}

void Progress::advance(std::int64_t n) { set(done_ + n); }

void Progress::set(std::int64_t done) {
  done_ = done;
  maybe_emit(false);
}

void Progress::finish() {
  if (finished_) return;
  maybe_emit(true);
  finished_ = true;
  if (bar_) terminal::set_status_line("");
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  log::info("{}: {} {} in {}", label_, done_, unit_, format_duration(elapsed));
}

std::string Progress::render(double elapsed_s, bool bar) const {
  const double rate = elapsed_s > 0 ? done_ / elapsed_s : 0.0;
  std::string text = label_ + " " + std::to_string(done_);
  if (total_ > 0) text += "/" + std::to_string(total_);
  if (bar && total_ > 0) {
    const int width = 24;
    const int filled = static_cast<int>(width * std::min<double>(1.0, double(done_) / total_));
    text += " [" + std::string(filled, '=') + (filled < width ? ">" : "") +
            std::string(std::max(0, width - filled - 1), ' ') + "]";
  }
  text += fmt::format(" {:.3g} {}/s", rate, unit_);
  if (total_ > 0) {
    text += fmt::format(" {:.0f}%", 100.0 * std::min<double>(1.0, double(done_) / total_));
    const double eta = rate > 0 ? (total_ - done_) / rate : NAN;
    text += " ETA " + format_duration(eta);
  }
  return text;
}

void Progress::maybe_emit(bool force) {
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_emit_).count();
  if (!force && since < interval_s_) return;
  last_emit_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  if (bar_)
    terminal::set_status_line(render(elapsed, true));
  else if (!force)  // finish() logs its own summary line
    log::info("{}", render(elapsed, false));
}

}  // namespace labkit
