#include "export.h"

#include <cstdio>
#include <memory>
#include <numeric>

#include "elements.h"
#include "labkit/tensorio/h5_append.h"
#include "labkit/core/atomic_file.h"
#include "labkit/core/error.h"
#include "labkit/tensorio/h5.h"
#include "labkit/molpack/layout.h"

namespace labkit::qo2mol_pack {
using namespace tensorio;  // H5File, safetensors and dtypes (libs/tensorio)
using namespace molpack;  // the file layout, its HDF5 helpers and the reader (libs/molpack)


std::int64_t export_extxyz(DatasetReader& ds, const std::string& out_path, const ExportOptions& opt) {
  std::vector<std::int64_t> which;
  if (opt.split.empty()) {
    which.resize(static_cast<std::size_t>(ds.num_conformers()));
    std::iota(which.begin(), which.end(), 0);
  } else {
    which = ds.split_conformers(opt.split, opt.label);
  }
  if (opt.limit >= 0 && static_cast<std::int64_t>(which.size()) > opt.limit) which.resize(static_cast<std::size_t>(opt.limit));

  // Conformer ids live in the shards as strings; load them per shard on first use.
  std::vector<std::vector<std::string>> ids(static_cast<std::size_t>(ds.num_shards()));
  std::vector<std::int64_t> shard_begin;
  {
    std::int64_t acc = 0;
    for (const auto& p : ds.shard_paths()) {
      shard_begin.push_back(acc);
      H5File f = H5File::open_read(p);
      acc += attribute_int64(f, "/", "n_conformers").value_or(0);
    }
    shard_begin.push_back(acc);
  }
  const auto paths = ds.shard_paths();
  auto id_of = [&](std::int64_t g) -> std::string {
    std::size_t s = 0;
    while (s + 1 < shard_begin.size() && shard_begin[s + 1] <= g) ++s;
    if (ids[s].empty()) {
      H5File f = H5File::open_read(paths[s]);
      ids[s] = read_strings(f.handle(), layout::kConfId);
    }
    return ids[s][static_cast<std::size_t>(g - shard_begin[s])];
  };

  std::int64_t written = 0;
  write_atomically(out_path, [&](const std::string& tmp) {
    std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(tmp.c_str(), "w"), &std::fclose);
    if (!f) throw std::runtime_error(tmp + ": cannot open for writing");
    ConformerRecord r;
    for (auto g : which) {
      ds.read(g, r);
      const auto mol = ds.molecule(r.molecule);
      const std::size_t n = r.z.size();
      std::fprintf(f.get(), "%zu\n", n);
      std::fprintf(f.get(),
                   "Properties=species:S:1:pos:R:3%s energy=%.17g charge=%.9g inchikey=\"%s\" confid=\"%s\" "
                   "conformer_index=%lld energy_unit=eV pbc=\"F F F\"\n",
                   r.has_forces ? ":forces:R:3" : "", r.energy, static_cast<double>(r.net_charge), mol.key.c_str(),
                   id_of(g).c_str(), static_cast<long long>(g));
      for (std::size_t a = 0; a < n; ++a) {
        std::fprintf(f.get(), "%-2s %.9g %.9g %.9g", element_symbol(r.z[a]).c_str(), static_cast<double>(r.positions[3 * a]),
                     static_cast<double>(r.positions[3 * a + 1]), static_cast<double>(r.positions[3 * a + 2]));
        if (r.has_forces)
          std::fprintf(f.get(), " %.9g %.9g %.9g", static_cast<double>(r.forces[3 * a]), static_cast<double>(r.forces[3 * a + 1]),
                       static_cast<double>(r.forces[3 * a + 2]));
        std::fputc('\n', f.get());
      }
      ++written;
    }
    if (std::ferror(f.get())) throw std::runtime_error(tmp + ": write failed");
  });
  return written;
}

}  // namespace labkit::qo2mol_pack
