#include "schedules.h"

#include <algorithm>
#include <cmath>

namespace labkit::semisam_train {

double sigmoid_rampup(double x, double length) {
  if (length == 0) return 1.0;
  const double phase = 1.0 - std::clamp(x, 0.0, length) / length;
  return std::exp(-5.0 * phase * phase);
}

double poly_lr(double base_lr, int64_t it, int64_t max_it, double power) {
  return base_lr * std::pow(1.0 - double(it) / double(max_it), power);
}

double ema_alpha(int64_t step, double decay) { return std::min(1.0 - 1.0 / double(step + 1), decay); }

double consistency_weight(double weight, int64_t it, int rampup_step, double rampup) {
  return weight * sigmoid_rampup(double(it / rampup_step), rampup);
}

double sam_rampdown(int64_t it, int64_t max_it, int rampup_step, double rampdown) {
  return 0.1 * sigmoid_rampup(double((max_it - it) / rampup_step), rampdown);
}

double uamt_threshold(int64_t it, int64_t max_it) {
  return (0.75 + 0.25 * sigmoid_rampup(double(it), double(max_it))) * std::log(2.0);
}

}  // namespace labkit::semisam_train
