// HDF5 datasets that grow by appending (so a writer streams with bounded memory), variable-length string
// datasets, small 1-D tables, byte-reproducible (untimed) creation. All work on H5File::handle(). Moved
// here from libs/molpack (qo2mol-pack writes its layout with them; any tool may).
#pragma once

#include <H5Cpp.h>

#include <cstdint>
#include <string>
#include <vector>

#include "labkit/tensorio/h5.h"

namespace labkit::tensorio {

// A dataset [rows, inner...] that starts empty and grows along dim 0, chunked `chunk_rows` rows at a
// time and optionally gzip+shuffle compressed. Rows are buffered to whole chunks before writing, and
// HDF5's chunk cache is off for it: memory is one chunk per dataset however long it grows.
class AppendableDataset {
 public:
  AppendableDataset(H5::H5File& file, const std::string& path, const H5::PredType& type, std::size_t elem_size,
                    std::vector<hsize_t> inner, hsize_t chunk_rows, int gzip, bool shuffle);
  void append(const void* rows, hsize_t n);
  void flush();
  hsize_t rows() const { return rows_ + buffered_; }
  H5::DataSet& dataset() { return ds_; }

 private:
  H5::DataSet ds_;
  H5::PredType type_;
  std::size_t row_bytes_;
  std::vector<hsize_t> inner_;
  hsize_t chunk_rows_, rows_ = 0, buffered_ = 0;
  std::vector<char> buffer_;
};

// A growing 1-D variable-length UTF-8 string dataset, written a chunk of strings at a time.
class AppendableStrings {
 public:
  AppendableStrings(H5::H5File& file, const std::string& path, hsize_t chunk_rows);
  void append(const std::string& s);
  void flush();

 private:
  H5::DataSet ds_;
  H5::StrType type_;
  hsize_t chunk_rows_, rows_ = 0;
  std::vector<std::string> buffer_;
};

// Caps HDF5's metadata cache for an open file (it grows to 32 MiB by default, and it also holds the
// global heap collections of variable-length strings), so a writer's memory does not grow with the file.
void limit_metadata_cache(H5::H5File& file, std::size_t max_bytes);

// Byte-reproducible files: HDF5 stamps objects with creation times unless told not to, which would make
// the same input give different sha256 sums. Every dataset and group here is created without them.
void make_parent_groups(H5::H5File& file, const std::string& path);
H5::DSetCreatPropList untimed_dcpl();
template <class T>
const H5::PredType& h5_type_of();
// A 1-D contiguous dataset (small tables: molecule rows, offsets, splits).
template <class T>
void write_vector(H5::H5File& file, const std::string& path, const std::vector<T>& values);

// Variable-length UTF-8 string datasets (h5py reads them as bytes objects / .asstr()).
void write_strings(H5::H5File& file, const std::string& path, const std::vector<std::string>& values);
std::vector<std::string> read_strings(H5::H5File& file, const std::string& path);
// Rows [begin, begin + count) of a 1-D string dataset (reading a large table a block at a time).
std::vector<std::string> read_strings(H5::H5File& file, const std::string& path, hsize_t begin, hsize_t count);

}  // namespace labkit::tensorio
