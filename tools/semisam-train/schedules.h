// Upstream's schedules (SSL4MIS utils/ramps.py and the SemiSAM+ training scripts).
#pragma once

#include <cstdint>

namespace labkit::semisam_train {

// exp(-5 (1 - clip(x, 0, L)/L)^2); 1 when L == 0.
double sigmoid_rampup(double x, double length);
// base_lr * (1 - it / max_it)^power.
double poly_lr(double base_lr, int64_t iteration, int64_t max_iterations, double power);
// Teacher EMA: alpha = min(1 - 1/(step + 1), decay).
double ema_alpha(int64_t step, double decay);
// w(t) = weight * sigmoid_rampup(t // step, rampup) (consistency), and the SAM ramp-down
// w_sam(t) = 0.1 * sigmoid_rampup((max_it - t) // step, rampdown).
double consistency_weight(double weight, int64_t iteration, int rampup_step, double rampup);
double sam_rampdown(int64_t iteration, int64_t max_iterations, int rampup_step, double rampdown);
// UA-MT's entropy threshold (0.75 + 0.25 sigmoid_rampup(t, max_it)) ln 2.
double uamt_threshold(int64_t iteration, int64_t max_iterations);

}  // namespace labkit::semisam_train
