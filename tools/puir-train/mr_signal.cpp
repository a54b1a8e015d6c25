#include "mr_signal.h"

#include <cmath>
#include <stdexcept>

#include "tissues.h"

namespace labkit::puir_train {

double spin_echo(const Tissue& t, double tr, double te) {
  if (t.pd == 0) return 0;
  return t.pd * (1 - std::exp(-tr / t.t1)) * std::exp(-te / t.t2);
}

double inversion_recovery(const Tissue& t, double tr, double te, double ti) {
  if (t.pd == 0) return 0;
  return t.pd * std::fabs(1 - 2 * std::exp(-ti / t.t1) + std::exp(-tr / t.t1)) * std::exp(-te / t.t2);
}

double null_inversion_time(double t1, double tr) { return t1 * std::log(2 / (1 + std::exp(-tr / t1))); }

double relaxation_with_contrast(double t0_ms, double relaxivity, double concentration_mm) {
  return 1.0 / (1.0 / t0_ms + relaxivity * concentration_mm / 1000.0);  // r in 1/(mM s) -> 1/(mM ms)
}

double rician(double a, double sigma, std::mt19937_64& rng) {
  std::normal_distribution<double> n(0.0, sigma);
  const double re = a + n(rng), im = n(rng);
  return std::sqrt(re * re + im * im);
}

double Sequence::signal(const Tissue& t) const {
  return kind == kSpinEcho ? spin_echo(t, tr, te) : inversion_recovery(t, tr, te, ti);
}

Sequence sequence_for(const std::string& m) {
  // 1.5 T clinical values (reference: SE T1w TR 400-700 / TE ~15; TSE T2w TR ~4000 / TE ~100; FLAIR TR >
  // 6000, TI nulling CSF); FLAIR's TE 120 is our choice within common protocols.
  if (m == "t1n") return {Sequence::kSpinEcho, 500, 15, 0, false};
  if (m == "t1c") return {Sequence::kSpinEcho, 500, 15, 0, true};
  if (m == "t2w") return {Sequence::kSpinEcho, 4000, 100, 0, false};
  if (m == "t2f") return {Sequence::kInversionRecovery, 9000, 120, null_inversion_time(tissues::kCsf.t1, 9000), false};
  throw std::invalid_argument("no MR sequence for modality '" + m + "' (t1n, t1c, t2w, t2f)");
}

}  // namespace labkit::puir_train
