// HDF5 datasets and attributes through the HDF5 C++ API, in the layout h5py reads natively.
//
// Element types on disk (checked against h5py 3.7 / HDF5 1.10):
//  - integers and F32/F64: the standard little-endian HDF5 types.
//  - F16: an IEEE binary16 float type built from H5T_IEEE_F32LE (sign bit 15, exponent 10..14 with bias
//    15, mantissa 0..9); h5py reads it as numpy float16.
//  - BF16: a custom float type (sign 15, exponent 7..14 with bias 127, mantissa 0..6). numpy has no
//    bfloat16; h5py maps this type to float32 and HDF5 converts the values exactly, so no uint16 +
//    attribute workaround is needed. read_array(..., DType::kBF16) returns the raw bits again.
//  - BOOL: an 8-bit enum {FALSE=0, TRUE=1}, exactly what h5py writes for numpy bool (reads back as bool).
// Errors: opening/reading problems are InputError "<path>: ..." naming the dataset; failures while
// writing are std::runtime_error "<path>: ..." naming the dataset. HDF5's own error printing is off.
#pragma once

#include <H5Cpp.h>

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "labkit/tensorio/dtype.h"

namespace labkit::tensorio {

class H5File {
 public:
  // New file written under a temporary name beside `path`; commit() closes it and renames it into
  // place. Destroying it without commit() removes the temporary file.
  static H5File create(const std::string& path);
  // Existing file, read-only / read-write in place. InputError "<path>: not a readable HDF5 file (...)".
  static H5File open_read(const std::string& path);
  static H5File open_rw(const std::string& path);

  H5File(H5File&&) noexcept;
  H5File& operator=(H5File&&) noexcept;
  ~H5File();

  void commit();  // only for create(); a no-op for files opened in place, except that it closes them
  // After a failed write (disk full) HDF5 1.10 can crash closing the file (SIGSEGV in H5F__close, seen
  // with Debian's 1.10.8): removes the temporary file and leaves the HDF5 handle open, never closed.
  void abandon() noexcept;
  // True once any file was abandoned in this process: HDF5 would crash closing it at exit, so the
  // program must end with std::_Exit (qo2mol-pack's main does).
  static bool any_abandoned() noexcept;
  const std::string& path() const { return path_; }
  H5::H5File& handle();  // std::logic_error after commit()

 private:
  H5File() = default;
  void discard() noexcept;
  std::string path_;
  std::string tmp_path_;  // non-empty while an uncommitted create() is open
  std::unique_ptr<H5::H5File> file_;
};

struct DatasetOptions {
  std::vector<hsize_t> chunk;  // empty = automatic ~1 MiB chunks along dim 0
  int gzip = 4;                // 0 = none, else deflate level 1..9
  bool shuffle = true;         // byte shuffle before gzip (ignored without gzip)
};

// Writes a new dataset of `dtype` (data holds numel(shape) elements of it), creating intermediate
// groups. Rank-0 shapes make a scalar dataset (never chunked or compressed).
void write_array(H5File& file, const std::string& dataset, DType dtype, const void* data,
                 const std::vector<int64_t>& shape, const DatasetOptions& options = {});

struct ArrayInfo {
  DType dtype;
  std::vector<int64_t> shape;
  std::vector<int64_t> chunk;  // empty when not chunked
  std::string compression;     // "" or "gzip" (other filters by name: "szip", "lzf", "filter<id>")
  int gzip_level = 0;          // deflate level when compression == "gzip"
  bool shuffle = false;        // shuffle filter present
};
ArrayInfo array_info(H5File& file, const std::string& dataset);

// Reads the whole dataset converted to `as`; out must hold numel * dtype_size(as) bytes.
void read_array(H5File& file, const std::string& dataset, DType as, void* out);
// Reads the hyperslab [offset, offset + count) (one entry per dimension) into a dense buffer.
void read_slab(H5File& file, const std::string& dataset, const std::vector<int64_t>& offset,
               const std::vector<int64_t>& count, DType as, void* out);

namespace h5_detail {
inline int64_t numel(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}
}  // namespace h5_detail

template <class T>
void write_array(H5File& file, const std::string& dataset, const std::vector<T>& values,
                 const std::vector<int64_t>& shape, const DatasetOptions& options = {}) {
  if (static_cast<int64_t>(values.size()) != h5_detail::numel(shape))
    throw std::invalid_argument(file.path() + ": dataset '" + dataset + "' has " + std::to_string(values.size()) +
                                " values but its shape needs " + std::to_string(h5_detail::numel(shape)));
  if constexpr (std::is_same_v<T, bool>) {  // std::vector<bool> is bit-packed: widen to one byte each
    std::vector<std::uint8_t> bytes(values.begin(), values.end());
    write_array(file, dataset, DType::kBool, bytes.data(), shape, options);
  } else {
    write_array(file, dataset, dtype_of<T>(), values.data(), shape, options);
  }
}

template <class T>
std::vector<T> read_array(H5File& file, const std::string& dataset) {
  const auto n = static_cast<std::size_t>(h5_detail::numel(array_info(file, dataset).shape));
  if constexpr (std::is_same_v<T, bool>) {
    std::vector<std::uint8_t> bytes(n);
    read_array(file, dataset, DType::kBool, bytes.data());
    return std::vector<bool>(bytes.begin(), bytes.end());
  } else {
    std::vector<T> out(n);
    read_array(file, dataset, dtype_of<T>(), out.data());
    return out;
  }
}

template <class T>
std::vector<T> read_slab(H5File& file, const std::string& dataset, const std::vector<int64_t>& offset,
                         const std::vector<int64_t>& count) {
  const auto n = static_cast<std::size_t>(h5_detail::numel(count));
  if constexpr (std::is_same_v<T, bool>) {
    std::vector<std::uint8_t> bytes(n);
    read_slab(file, dataset, offset, count, DType::kBool, bytes.data());
    return std::vector<bool>(bytes.begin(), bytes.end());
  } else {
    std::vector<T> out(n);
    read_slab(file, dataset, offset, count, dtype_of<T>(), out.data());
    return out;
  }
}

// Attributes on any group or dataset ("/" is the root group); setting replaces an existing one.
// Strings are stored as scalar variable-length UTF-8 strings (what h5py writes for str).
void set_attribute(H5File& file, const std::string& object_path, const std::string& name, const std::string& value);
void set_attribute(H5File& file, const std::string& object_path, const std::string& name, const char* value);
void set_attribute(H5File& file, const std::string& object_path, const std::string& name, double value);
void set_attribute(H5File& file, const std::string& object_path, const std::string& name, int64_t value);
void set_attribute(H5File& file, const std::string& object_path, const std::string& name, int value);
void set_attribute(H5File& file, const std::string& object_path, const std::string& name,
                   const std::vector<double>& value);
// nullopt when the attribute is absent; InputError when it exists with an incompatible type, or when
// the object does not exist.
std::optional<std::string> attribute_string(H5File& file, const std::string& object_path, const std::string& name);
std::optional<double> attribute_double(H5File& file, const std::string& object_path, const std::string& name);
std::optional<int64_t> attribute_int64(H5File& file, const std::string& object_path, const std::string& name);
std::optional<std::vector<double>> attribute_doubles(H5File& file, const std::string& object_path,
                                                     const std::string& name);

// Physical units of a dataset's values live in the string attribute "units" (e.g. "mm", "s").
inline constexpr const char* kUnitsAttribute = "units";
inline void set_units(H5File& file, const std::string& object_path, const std::string& units) {
  set_attribute(file, object_path, kUnitsAttribute, units);
}
inline std::optional<std::string> units(H5File& file, const std::string& object_path) {
  return attribute_string(file, object_path, kUnitsAttribute);
}

// {"file": path, "objects": [{"path", "kind": "group"|"dataset", "attributes": {...}} ...]} in name
// order, datasets also with "dtype" (or "unsupported: <HDF5 class>"), "shape", "chunk", "compression".
nlohmann::json describe_tree(H5File& file);

}  // namespace labkit::tensorio
