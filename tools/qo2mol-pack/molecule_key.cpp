#include "molecule_key.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "elements.h"

namespace labkit::qo2mol_pack {

std::uint64_t hash_mix(std::uint64_t h, std::uint64_t v) {
  std::uint64_t x = h ^ (v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2));
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBULL;
  x ^= x >> 31;
  return x;
}

std::uint64_t hash_string(const std::string& s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char ch : s) {
    h ^= ch;
    h *= 1099511628211ULL;
  }
  return h;
}

std::string hill_formula(const std::vector<std::int32_t>& z) {
  std::map<std::string, int> count;
  for (auto zi : z) ++count[element_symbol(zi)];
  std::string out;
  auto emit = [&](const std::string& sym) {
    auto it = count.find(sym);
    if (it == count.end()) return;
    out += sym;
    if (it->second > 1) out += std::to_string(it->second);
    count.erase(it);
  };
  if (count.count("C")) {
    emit("C");
    emit("H");
  }
  while (!count.empty()) emit(count.begin()->first);
  return out;
}

int heavy_atom_count(const std::vector<std::int32_t>& z) {
  return static_cast<int>(std::count_if(z.begin(), z.end(), [](std::int32_t v) { return v > 1; }));
}

std::vector<std::pair<int, int>> perceive_bonds(const std::vector<std::int32_t>& z, const std::vector<double>& pos,
                                                double factor) {
  std::vector<std::pair<int, int>> bonds;
  const int n = static_cast<int>(z.size());
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j) {
      const double dx = pos[3 * i] - pos[3 * j], dy = pos[3 * i + 1] - pos[3 * j + 1], dz = pos[3 * i + 2] - pos[3 * j + 2];
      const double cut = factor * (covalent_radius(z[static_cast<std::size_t>(i)]) + covalent_radius(z[static_cast<std::size_t>(j)]));
      if (dx * dx + dy * dy + dz * dz < cut * cut) bonds.emplace_back(i, j);
    }
  return bonds;
}

std::string graph_key(const Conformer& c) {
  const std::size_t n = c.z.size();
  const auto bonds = c.bonds.empty() ? perceive_bonds(c.z, c.positions) : c.bonds;
  std::vector<std::vector<int>> adj(n);
  for (auto [i, j] : bonds) {
    if (i == j) continue;
    adj[static_cast<std::size_t>(i)].push_back(j);
    adj[static_cast<std::size_t>(j)].push_back(i);
  }
  std::vector<std::uint64_t> label(n), next(n);
  for (std::size_t i = 0; i < n; ++i) label[i] = hash_mix(0, static_cast<std::uint64_t>(c.z[i]));
  // Refine until the number of distinct labels stops growing (at most n rounds).
  std::size_t classes = 0;
  for (std::size_t round = 0; round < n; ++round) {
    for (std::size_t i = 0; i < n; ++i) {
      std::vector<std::uint64_t> nb;
      for (int j : adj[i]) nb.push_back(label[static_cast<std::size_t>(j)]);
      std::sort(nb.begin(), nb.end());
      std::uint64_t h = hash_mix(label[i], nb.size());
      for (auto v : nb) h = hash_mix(h, v);
      next[i] = h;
    }
    label.swap(next);
    auto sorted = label;
    std::sort(sorted.begin(), sorted.end());
    const auto distinct = static_cast<std::size_t>(std::unique(sorted.begin(), sorted.end()) - sorted.begin());
    if (distinct == classes) break;
    classes = distinct;
  }
  std::sort(label.begin(), label.end());
  std::uint64_t h = hash_string(hill_formula(c.z));
  for (auto v : label) h = hash_mix(h, v);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return "QPK1-" + hill_formula(c.z) + "-" + hex;
}

}  // namespace labkit::qo2mol_pack
