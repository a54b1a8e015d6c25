// Per-element linear reference energies: E ~ sum_Z n_Z(conformer) * e_Z, least squares over the
// training conformers. Normal equations are accumulated in long double as conformers stream past, then
// solved with a tiny ridge (1e-10 x the largest diagonal) so that collinear compositions (a set with one
// molecule, or elements always in fixed ratio) give the minimum-norm-like solution instead of failing.
#pragma once

#include <cstdint>
#include <vector>

namespace labkit::qo2mol_pack {

struct ReferenceEnergies {
  std::vector<std::int32_t> z;  // elements seen in the fit
  std::vector<double> energy;   // eV per atom of that element
  std::int64_t conformers = 0;
  int rank = 0;                 // independent compositions (< z.size() means underdetermined)
  double predict(const std::uint8_t* zs, std::size_t n) const;
};

class ReferenceFitter {
 public:
  void add(const std::uint8_t* z, std::size_t n, double energy);
  ReferenceEnergies solve() const;

 private:
  long double ata_[87][87] = {};
  long double atb_[87] = {};
  bool seen_[87] = {};
  std::int64_t count_ = 0;
};

}  // namespace labkit::qo2mol_pack
