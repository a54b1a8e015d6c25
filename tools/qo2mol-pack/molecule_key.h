// Molecule identity without a cheminformatics toolkit. When the input provides an InChIKey (QO2Mol,
// SDF/extxyz fields, ASE key-value pairs) or a SMILES group name (SPICE), that is the key. Otherwise
// the key is "QPK1-<Hill formula>-<16 hex>": a Weisfeiler-Lehman hash of the bond graph (bonds given by
// the input, else perceived where d < 1.3 x the sum of covalent radii) that does not depend on atom
// order. It ignores stereochemistry and bond orders, like an InChIKey's first block: stereoisomers share
// a key, so splits by key never put two stereoisomers on different sides.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "conformer.h"

namespace labkit::qo2mol_pack {

std::string hill_formula(const std::vector<std::int32_t>& z);
int heavy_atom_count(const std::vector<std::int32_t>& z);
// Bonds between atoms closer than `factor` x (r_i + r_j); positions in Angstrom.
std::vector<std::pair<int, int>> perceive_bonds(const std::vector<std::int32_t>& z, const std::vector<double>& pos,
                                                double factor = 1.3);
// The key described above (uses c.bonds when non-empty).
std::string graph_key(const Conformer& c);

std::uint64_t hash_mix(std::uint64_t h, std::uint64_t v);  // order-dependent 64-bit combine (splitmix)
std::uint64_t hash_string(const std::string& s);            // FNV-1a 64

}  // namespace labkit::qo2mol_pack
