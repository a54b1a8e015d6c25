#include "grid.h"

namespace labkit::aneumo_build {

int64_t Domain::fluid_count() const {
  int64_t n = 0;
  for (auto v : mask) n += v != 0;
  return n;
}

double dice(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b) {
  int64_t both = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    na += a[i] != 0;
    nb += b[i] != 0;
    both += a[i] != 0 && b[i] != 0;
  }
  return na + nb == 0 ? 1.0 : 2.0 * both / double(na + nb);
}

}  // namespace labkit::aneumo_build
