// MR magnitude signal equations and tissue parameters for the multi-modal phantoms (reference puir.md,
// "MR contrast physics"). Times in ms, proton density relative. No torch.
#pragma once

#include <random>
#include <string>

namespace labkit::puir_train {

struct Tissue {
  double t1 = 0, t2 = 0, pd = 0;
};

// Spin echo / TSE: PD (1 - e^{-TR/T1}) e^{-TE/T2} (valid for TE << TR).
double spin_echo(const Tissue& t, double tr, double te);
// Inversion recovery (FLAIR): PD |1 - 2 e^{-TI/T1} + e^{-TR/T1}| e^{-TE/T2}.
double inversion_recovery(const Tissue& t, double tr, double te, double ti);
// The inversion time that nulls a tissue of this T1 at finite TR: T1 ln(2 / (1 + e^{-TR/T1})).
double null_inversion_time(double t1, double tr);
// Gadolinium: 1/T = 1/T0 + r * C (relaxivity r in L/mmol/s, concentration C in mmol/L, T in ms).
double relaxation_with_contrast(double t0_ms, double relaxivity, double concentration_mm);

// Magnitude of a complex signal A + n_r + i n_i, n ~ N(0, sigma^2) (Rician for A > 0, Rayleigh at 0).
double rician(double a, double sigma, std::mt19937_64& rng);

// Sequences of the four BraTS contrasts at 1.5 T (README "Phantoms" has the table).
struct Sequence {
  enum Kind { kSpinEcho, kInversionRecovery } kind = kSpinEcho;
  double tr = 0, te = 0, ti = 0;
  bool contrast_agent = false;  // T1 shortened where the tissue takes up gadolinium (T1w + Gd)
  double signal(const Tissue& t) const;
};
// "t1n", "t1c", "t2w", "t2f"; std::invalid_argument for another name.
Sequence sequence_for(const std::string& modality);

}  // namespace labkit::puir_train
