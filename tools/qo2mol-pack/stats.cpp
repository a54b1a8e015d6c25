#include "stats.h"

#include <cmath>
#include <map>

#include "elements.h"
#include "labkit/tensorio/h5.h"
#include "labkit/molpack/layout.h"
#include "splits.h"

namespace labkit::qo2mol_pack {
using namespace tensorio;  // H5File, safetensors and dtypes (libs/tensorio)
using namespace molpack;  // the file layout, its HDF5 helpers and the reader (libs/molpack)


void for_each_block(const std::vector<std::string>& shard_paths, bool with_xyz, const std::function<void(const Block&)>& fn,
                    std::int64_t atoms_per_block) {
  std::int64_t global = 0;
  for (const auto& path : shard_paths) {
    H5File f = H5File::open_read(path);
    const auto offsets = read_array<std::int64_t>(f, layout::kAtomOffset);
    const auto C = static_cast<std::int64_t>(offsets.size()) - 1;
    std::int64_t c = 0;
    while (c < C) {
      std::int64_t e = c + 1;
      while (e < C && offsets[static_cast<std::size_t>(e + 1)] - offsets[static_cast<std::size_t>(c)] <= atoms_per_block) ++e;
      Block b;
      b.first_conformer = global + c;
      const std::int64_t a0 = offsets[static_cast<std::size_t>(c)], a1 = offsets[static_cast<std::size_t>(e)];
      for (std::int64_t k = c; k <= e; ++k) b.atom_offset.push_back(offsets[static_cast<std::size_t>(k)] - a0);
      b.z = read_slab<std::uint8_t>(f, layout::kZ, {a0}, {a1 - a0});
      b.energy = read_slab<double>(f, layout::kEnergy, {c}, {e - c});
      b.has_forces = read_slab<std::uint8_t>(f, layout::kHasForces, {c}, {e - c});
      if (with_xyz) {
        b.positions = read_slab<float>(f, layout::kPositions, {a0, 0}, {a1 - a0, 3});
        b.forces = read_slab<float>(f, layout::kForces, {a0, 0}, {a1 - a0, 3});
      }
      fn(b);
      c = e;
    }
    global += C;
  }
}

ReferenceEnergies fit_reference(const std::vector<std::string>& shard_paths, const std::vector<std::int8_t>& label_of,
                                int label) {
  ReferenceFitter fitter;
  for_each_block(shard_paths, false, [&](const Block& b) {
    for (std::size_t k = 0; k < b.size(); ++k) {
      if (label_of[static_cast<std::size_t>(b.first_conformer) + k] != label || std::isnan(b.energy[k])) continue;  // NaN: no energy (--geometry-only)
      const auto a0 = static_cast<std::size_t>(b.atom_offset[k]), a1 = static_cast<std::size_t>(b.atom_offset[k + 1]);
      fitter.add(b.z.data() + a0, a1 - a0, b.energy[k]);
    }
  });
  return fitter.solve();
}

namespace {
struct Moments {
  std::int64_t n = 0;
  double mean = 0, m2 = 0, abs_sum = 0, min = INFINITY, max = -INFINITY;
  void add(double x) {  // Welford: stable for energies of -1e4 eV with meV spread
    ++n;
    const double d = x - mean;
    mean += d / static_cast<double>(n);
    m2 += d * (x - mean);
    abs_sum += std::fabs(x);
    min = std::min(min, x);
    max = std::max(max, x);
  }
  nlohmann::json json() const {
    if (n == 0) return {{"n", 0}};
    return {{"n", n}, {"mean", mean}, {"std", n > 1 ? std::sqrt(m2 / static_cast<double>(n - 1)) : 0.0},
            {"mean_abs", abs_sum / static_cast<double>(n)}, {"min", min}, {"max", max}};
  }
};
}  // namespace

nlohmann::json compute_stats(const std::vector<std::string>& shard_paths, const std::vector<std::int8_t>& label_of,
                             const ReferenceEnergies& ref, const std::vector<std::int32_t>& heavy) {
  Moments energy, per_atom, atoms_per_conf, force_comp;
  std::map<int, Moments> residual;
  std::map<std::string, std::int64_t> elements;
  std::int64_t conformers = 0, atoms = 0, with_forces = 0;
  double fmax = 0;
  std::int64_t z_count[256] = {};
  for_each_block(shard_paths, true, [&](const Block& b) {
    for (std::size_t k = 0; k < b.size(); ++k) {
      const auto a0 = static_cast<std::size_t>(b.atom_offset[k]), a1 = static_cast<std::size_t>(b.atom_offset[k + 1]);
      const double n = static_cast<double>(a1 - a0);
      ++conformers;
      atoms += static_cast<std::int64_t>(a1 - a0);
      const bool has_energy = !std::isnan(b.energy[k]);  // NaN: packed with --geometry-only
      if (has_energy) {
        energy.add(b.energy[k]);
        per_atom.add(b.energy[k] / n);
      }
      atoms_per_conf.add(n);
      for (std::size_t a = a0; a < a1; ++a) ++z_count[b.z[a]];
      if (!ref.z.empty() && has_energy) {
        const double r = b.energy[k] - ref.predict(b.z.data() + a0, a1 - a0);
        residual[label_of[static_cast<std::size_t>(b.first_conformer) + k]].add(r);
      }
      if (b.has_forces[k]) {
        ++with_forces;
        for (std::size_t a = a0; a < a1; ++a) {
          const float* f = &b.forces[3 * a];
          for (int d = 0; d < 3; ++d) force_comp.add(f[d]);
          fmax = std::max(fmax, std::sqrt(double(f[0]) * f[0] + double(f[1]) * f[1] + double(f[2]) * f[2]));
        }
      }
    }
  });
  for (int z = 1; z < 256; ++z)
    if (z_count[z]) elements[z <= kMaxZ ? element_symbol(z) : std::to_string(z)] = z_count[z];
  std::map<int, std::int64_t> heavy_hist;
  for (auto h : heavy) ++heavy_hist[h];
  nlohmann::json hh = nlohmann::json::object();
  for (auto [h, c] : heavy_hist) hh[std::to_string(h)] = c;
  nlohmann::json res = nlohmann::json::object();
  for (auto& [l, m] : residual) res[split_label_name(l)] = m.json();
  nlohmann::json force_json = force_comp.json();
  if (force_comp.n) force_json["rms"] = std::sqrt(force_comp.m2 / static_cast<double>(force_comp.n) + force_comp.mean * force_comp.mean);
  force_json["max_norm"] = fmax;
  return {{"conformers", conformers},
          {"atoms", atoms},
          {"molecules", static_cast<std::int64_t>(heavy.size())},
          {"conformers_with_forces", with_forces},
          {"atoms_per_conformer", atoms_per_conf.json()},
          {"elements", elements},
          {"heavy_atoms_per_molecule", hh},
          {"energy_eV", energy.json()},
          {"energy_per_atom_eV", per_atom.json()},
          {"force_component_eV_per_Ang", force_json},
          {"energy_minus_reference_eV_by_split", res}};
}

}  // namespace labkit::qo2mol_pack
