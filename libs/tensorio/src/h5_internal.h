// Shared by the h5_*.cpp files: type mapping between DType and HDF5, and error conversion.
#pragma once

#include <H5Cpp.h>

#include <memory>
#include <optional>
#include <string>

#include "labkit/tensorio/h5.h"

namespace labkit::tensorio::h5_internal {

// Turns off HDF5's automatic error printing (once per process).
void quiet_hdf5();

// The HDF5 type used for `dtype`, both on disk and in memory (all little-endian; labkit targets LE hosts).
H5::DataType h5_type(DType dtype);
// DType of an HDF5 type, or nullopt when labkit has no equivalent (strings, compounds, ...).
std::optional<DType> dtype_of_h5(const H5::DataType& type);
// Class name for messages ("string", "compound", ...).
std::string h5_class_name(H5T_class_t cls);

// Detail message of an HDF5 exception (function name + message).
std::string what(const H5::Exception& e);

// Opens a dataset; InputError "<path>: no dataset '<name>' (...)" if it is missing or not a dataset.
H5::DataSet open_dataset(H5File& file, const std::string& name);
// A group or a dataset (H5::H5Object cannot be owned polymorphically: its destructor is protected).
struct Object {
  std::optional<H5::Group> group;
  std::optional<H5::DataSet> dataset;
  H5::H5Object* operator->() { return group ? static_cast<H5::H5Object*>(&*group) : &*dataset; }
};
// Opens a group or dataset; InputError if missing.
Object open_object(H5File& file, const std::string& object_path);

std::vector<int64_t> dataspace_shape(const H5::DataSpace& space);
std::string shape_string(const std::vector<int64_t>& shape);

}  // namespace labkit::tensorio::h5_internal
