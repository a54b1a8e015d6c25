#include "reference_energy.h"

#include <cmath>
#include <utility>

namespace labkit::qo2mol_pack {

void ReferenceFitter::add(const std::uint8_t* z, std::size_t n, double energy) {
  int counts[87] = {};
  for (std::size_t k = 0; k < n; ++k) counts[z[k] < 87 ? z[k] : 0]++;
  for (int a = 1; a < 87; ++a) {
    if (!counts[a]) continue;
    seen_[a] = true;
    atb_[a] += static_cast<long double>(counts[a]) * energy;
    for (int b = 1; b < 87; ++b)
      if (counts[b]) ata_[a][b] += static_cast<long double>(counts[a]) * counts[b];
  }
  ++count_;
}

ReferenceEnergies ReferenceFitter::solve() const {
  ReferenceEnergies out;
  out.conformers = count_;
  std::vector<int> el;
  for (int a = 1; a < 87; ++a)
    if (seen_[a]) el.push_back(a);
  const std::size_t k = el.size();
  if (k == 0) return out;
  // Fixed-size work arrays: k <= 86 elements.
  static thread_local long double m[87][88], r[87][88];
  long double maxdiag = 0;
  for (std::size_t i = 0; i < k; ++i) {
    for (std::size_t j = 0; j < k; ++j) m[i][j] = ata_[el[i]][el[j]];
    m[i][k] = atb_[el[i]];
    maxdiag = std::max(maxdiag, m[i][i]);
  }
  // Rank from elimination without the ridge.
  {
    for (std::size_t i = 0; i < k; ++i)
      for (std::size_t j = 0; j <= k; ++j) r[i][j] = m[i][j];
    int rank = 0;
    for (std::size_t c = 0, row = 0; c < k && row < k; ++c) {
      std::size_t p = row;
      for (std::size_t i = row; i < k; ++i)
        if (std::fabs(r[i][c]) > std::fabs(r[p][c])) p = i;
      if (std::fabs(r[p][c]) <= 1e-9L * maxdiag) continue;
      for (std::size_t j = 0; j <= k; ++j) std::swap(r[p][j], r[row][j]);
      for (std::size_t i = row + 1; i < k; ++i) {
        const long double f = r[i][c] / r[row][c];
        for (std::size_t j = c; j <= k; ++j) r[i][j] -= f * r[row][j];
      }
      ++row;
      ++rank;
    }
    out.rank = rank;
  }
  for (std::size_t i = 0; i < k; ++i) m[i][i] += 1e-10L * maxdiag;
  for (std::size_t c = 0; c < k; ++c) {  // Gaussian elimination with partial pivoting (matrix is SPD)
    std::size_t p = c;
    for (std::size_t i = c + 1; i < k; ++i)
      if (std::fabs(m[i][c]) > std::fabs(m[p][c])) p = i;
    for (std::size_t j = 0; j <= k; ++j) std::swap(m[p][j], m[c][j]);
    for (std::size_t i = c + 1; i < k; ++i) {
      const long double f = m[i][c] / m[c][c];
      for (std::size_t j = c; j <= k; ++j) m[i][j] -= f * m[c][j];
    }
  }
  long double x[87] = {};
  for (std::size_t i = k; i-- > 0;) {
    long double s = m[i][k];
    for (std::size_t j = i + 1; j < k; ++j) s -= m[i][j] * x[j];
    x[i] = s / m[i][i];
  }
  for (std::size_t i = 0; i < k; ++i) {
    out.z.push_back(el[i]);
    out.energy.push_back(static_cast<double>(x[i]));
  }
  return out;
}

double ReferenceEnergies::predict(const std::uint8_t* zs, std::size_t n) const {
  double e = 0;
  for (std::size_t a = 0; a < n; ++a)
    for (std::size_t i = 0; i < z.size(); ++i)
      if (z[i] == zs[a]) {
        e += energy[i];
        break;
      }
  return e;
}

}  // namespace labkit::qo2mol_pack
