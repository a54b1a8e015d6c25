#include "inspect.h"

#include <fmt/format.h>

#include <map>

#include "elements.h"
#include "labkit/core/error.h"
#include "labkit/tensorio/h5.h"
#include "labkit/molpack/dataset_reader.h"
#include "splits.h"

namespace labkit::qo2mol_pack {
using namespace tensorio;  // H5File, safetensors and dtypes (libs/tensorio)
using namespace molpack;  // the file layout, its HDF5 helpers and the reader (libs/molpack)


nlohmann::json inspect_dataset(const std::string& dataset, int show) {
  DatasetReader ds(dataset);
  nlohmann::json info;
  info["index"] = ds.index_path();
  info["shards"] = ds.shard_paths();
  info["conformers"] = ds.num_conformers();
  info["molecules"] = ds.num_molecules();
  info["atoms"] = ds.num_atoms();
  {
    H5File idx = H5File::open_read(ds.index_path());
    for (const char* a : {"name", "energy_unit", "length_unit", "force_unit"})
      info["attributes"][a] = attribute_string(idx, "/", a).value_or("");
    info["layout"]["index"] = describe_tree(idx);
  }
  if (ds.num_shards() > 0) {
    H5File s0 = H5File::open_read(ds.shard_paths()[0]);
    info["layout"]["shard"] = describe_tree(s0);
  }
  for (const char* split : {"random", "ood_heavy_atoms", "upstream"}) {
    std::map<std::string, std::int64_t> mols, confs;
    std::vector<std::int8_t> labels;
    try {
      labels = ds.split_labels(split);
    } catch (const labkit::InputError&) {
      continue;  // "upstream" exists only for QO2Mol release inputs
    }
    for (std::size_t m = 0; m < labels.size(); ++m) {
      ++mols[split_label_name(labels[m])];
      confs[split_label_name(labels[m])] += ds.molecule(static_cast<std::int64_t>(m)).conformers;
    }
    info["splits"][split] = {{"molecules", mols}, {"conformers", confs}};
  }
  nlohmann::json ref = nlohmann::json::object();
  for (auto [z, e] : ds.reference_energies()) ref[element_symbol(z)] = e;
  info["reference_energies_eV"] = ref;
  nlohmann::json confs = nlohmann::json::array();
  for (std::int64_t g = 0; g < std::min<std::int64_t>(show, ds.num_conformers()); ++g) {
    const auto r = ds.read(g);
    const auto mol = ds.molecule(r.molecule);
    confs.push_back({{"conformer", g}, {"molecule", mol.key}, {"formula", mol.formula}, {"atoms", r.z.size()},
                     {"energy_eV", r.energy}, {"has_forces", r.has_forces}});
  }
  info["first_conformers"] = confs;
  return info;
}

std::string inspect_text(const nlohmann::json& info) {
  std::string s;
  s += fmt::format("dataset   {}\n", info["index"].get<std::string>());
  s += fmt::format("shards    {}\n", info["shards"].size());
  s += fmt::format("counts    {} conformers, {} molecules, {} atoms\n", info["conformers"].get<std::int64_t>(),
                   info["molecules"].get<std::int64_t>(), info["atoms"].get<std::int64_t>());
  s += fmt::format("units     energy {}, length {}, forces {}\n", info["attributes"]["energy_unit"].get<std::string>(),
                   info["attributes"]["length_unit"].get<std::string>(), info["attributes"]["force_unit"].get<std::string>());
  for (const auto& [name, sp] : info["splits"].items()) {
    s += fmt::format("split     {:<16}", name);
    for (const auto& [label, n] : sp["molecules"].items())
      s += fmt::format(" {}={} mol/{} conf", label, n.get<std::int64_t>(), sp["conformers"][label].get<std::int64_t>());
    s += "\n";
  }
  s += "reference";
  for (const auto& [el, e] : info["reference_energies_eV"].items()) s += fmt::format(" {}={:.4f}", el, e.get<double>());
  s += " eV\n";
  for (const auto& c : info["first_conformers"])
    s += fmt::format("  #{:<6} {:<30} {:<10} {:>3} atoms  E={:.6f} eV{}\n", c["conformer"].get<std::int64_t>(),
                     c["molecule"].get<std::string>(), c["formula"].get<std::string>(), c["atoms"].get<std::size_t>(),
                     c["energy_eV"].get<double>(), c["has_forces"].get<bool>() ? "  +forces" : "");
  return s;
}

}  // namespace labkit::qo2mol_pack
