// SPICE-style HDF5 (openmm/spice-dataset): one group per molecule holding atomic_numbers [N],
// conformations [M,N,3], dft_total_energy [M] and optionally dft_total_gradient [M,N,3] (= -forces),
// each with a 'units' attribute. The group name (SMILES with '/' removed) is the molecule key.
#include <H5Cpp.h>

#include "labkit/core/error.h"
#include "readers.h"
#include "units.h"

namespace labkit::qo2mol_pack {
namespace {

std::string units_attr(const H5::DataSet& ds) {
  if (!ds.attrExists("units")) return "";
  H5::Attribute a = ds.openAttribute("units");
  std::string s;
  a.read(a.getStrType(), s);
  return s;
}

std::vector<hsize_t> dims_of(const H5::DataSet& ds) {
  H5::DataSpace sp = ds.getSpace();
  std::vector<hsize_t> d(static_cast<std::size_t>(sp.getSimpleExtentNdims()));
  sp.getSimpleExtentDims(d.data());
  return d;
}

template <class T>
std::vector<T> read_all(const H5::DataSet& ds, const H5::PredType& type) {
  std::size_t n = 1;
  for (auto d : dims_of(ds)) n *= d;
  std::vector<T> v(n);
  if (n) ds.read(v.data(), type);
  return v;
}

// Maps SPICE's spelled-out unit names onto the canonical ones.
std::string spice_unit(const std::string& u) {
  if (u == "hartree") return "Ha";
  if (u == "bohr") return "Bohr";
  if (u == "hartree/bohr") return "Ha/Bohr";
  if (u == "angstrom") return "Ang";
  return u;
}

}  // namespace

void read_spice_hdf5(const std::string& path, const ReaderOptions& opt, SourceUnits& units, const Sink& sink) {
  H5::Exception::dontPrint();
  const std::string ekey = opt.energy_key_or("dft_total_energy");
  const std::string gkey = opt.forces_key_or("dft_total_gradient");
  try {
    H5::H5File file(path, H5F_ACC_RDONLY);
    const hsize_t ngroups = file.getNumObjs();
    bool units_fixed = false;
    for (hsize_t g = 0; g < ngroups; ++g) {
      const std::string name = file.getObjnameByIdx(g);
      if (file.childObjType(name) != H5O_TYPE_GROUP) continue;
      H5::Group grp = file.openGroup(name);
      auto fail = [&](const std::string& what) { throw input_error(path, "group '" + name + "': " + what); };
      for (const char* need : {"atomic_numbers", "conformations"})
        if (!grp.nameExists(need)) fail(std::string("has no '") + need + "'");
      if (!grp.nameExists(ekey)) fail("has no '" + ekey + "'");
      H5::DataSet zds = grp.openDataSet("atomic_numbers"), xds = grp.openDataSet("conformations"),
                  eds = grp.openDataSet(ekey);
      const auto z = read_all<std::int32_t>(zds, H5::PredType::NATIVE_INT32);
      const auto xd = dims_of(xds);
      if (xd.size() != 3 || xd[1] != z.size() || xd[2] != 3)
        fail("conformations shape does not match " + std::to_string(z.size()) + " atoms");
      const auto x = read_all<double>(xds, H5::PredType::NATIVE_DOUBLE);
      const auto e = read_all<double>(eds, H5::PredType::NATIVE_DOUBLE);
      const std::size_t m = xd[0], n = z.size();
      if (e.size() != m) fail(ekey + " has " + std::to_string(e.size()) + " values for " + std::to_string(m) + " conformations");
      std::vector<double> grad;
      std::string gunit;
      if (grp.nameExists(gkey)) {
        H5::DataSet gds = grp.openDataSet(gkey);
        grad = read_all<double>(gds, H5::PredType::NATIVE_DOUBLE);
        if (grad.size() != m * n * 3) fail(gkey + " shape does not match conformations");
        gunit = spice_unit(units_attr(gds));
      }
      if (!units_fixed) {
        units.length = canonical_length_unit(spice_unit(units_attr(xds)));
        units.energy = canonical_energy_unit(spice_unit(units_attr(eds)));
        units.force = gunit;
        units.force_is_gradient = gkey.find("gradient") != std::string::npos;
        if (units.length.empty()) units.length = "Bohr";  // SPICE's documented unit when the attribute is absent
        units_fixed = true;
      }
      for (std::size_t k = 0; k < m; ++k) {
        Conformer c;
        c.record = "group '" + name + "' conformation " + std::to_string(k);
        c.molecule_key = name;
        c.conformer_id = name + ":" + std::to_string(k);
        c.z = z;
        c.positions.assign(x.begin() + static_cast<std::ptrdiff_t>(k * n * 3), x.begin() + static_cast<std::ptrdiff_t>((k + 1) * n * 3));
        if (!grad.empty())
          c.forces.assign(grad.begin() + static_cast<std::ptrdiff_t>(k * n * 3), grad.begin() + static_cast<std::ptrdiff_t>((k + 1) * n * 3));
        c.energy = e[k];
        sink(std::move(c));
      }
    }
  } catch (const H5::Exception& ex) {
    throw input_error(path, "HDF5 error: " + ex.getDetailMsg());
  }
}

}  // namespace labkit::qo2mol_pack
