#include "labkit/tensorio/h5_append.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace labkit::tensorio {

void make_parent_groups(H5::H5File& file, const std::string& path) {
  static const hid_t gcpl = [] {
    hid_t p = H5Pcreate(H5P_GROUP_CREATE);
    H5Pset_obj_track_times(p, 0);
    return p;
  }();
  std::size_t pos = 1;
  while ((pos = path.find('/', pos)) != std::string::npos) {
    const std::string group = path.substr(0, pos);
    if (!file.nameExists(group)) {
      // C API on purpose: H5::Group(hid_t) adds a reference, which would keep the file open past commit().
      const hid_t g = H5Gcreate2(file.getId(), group.c_str(), H5P_DEFAULT, gcpl, H5P_DEFAULT);
      if (g < 0) throw std::runtime_error("cannot create HDF5 group " + group);
      H5Gclose(g);
    }
    ++pos;
  }
}

void limit_metadata_cache(H5::H5File& file, std::size_t max_bytes) {
  H5AC_cache_config_t cfg;
  cfg.version = H5AC__CURR_CACHE_CONFIG_VERSION;
  if (H5Fget_mdc_config(file.getId(), &cfg) < 0) throw std::runtime_error("cannot read HDF5 metadata cache config");
  const std::size_t floor = std::min<std::size_t>(max_bytes, std::size_t{1} << 20);
  cfg.set_initial_size = true;
  cfg.initial_size = floor;
  cfg.min_size = floor;
  cfg.max_size = max_bytes;
  if (H5Fset_mdc_config(file.getId(), &cfg) < 0) throw std::runtime_error("cannot set HDF5 metadata cache config");
}

// Appended rows arrive a whole chunk at a time and are never read back while writing, so HDF5's
// per-dataset chunk cache (1 MiB each by default, filling as the file grows) only costs memory.
H5::DSetAccPropList no_chunk_cache() {
  H5::DSetAccPropList dapl;
  dapl.setChunkCache(0, 0, 1.0);
  return dapl;
}

H5::DSetCreatPropList untimed_dcpl() {
  H5::DSetCreatPropList dcpl;
  H5Pset_obj_track_times(dcpl.getId(), 0);
  return dcpl;
}

template <> const H5::PredType& h5_type_of<std::int8_t>() { return H5::PredType::NATIVE_INT8; }
template <> const H5::PredType& h5_type_of<std::uint8_t>() { return H5::PredType::NATIVE_UINT8; }
template <> const H5::PredType& h5_type_of<std::int32_t>() { return H5::PredType::NATIVE_INT32; }
template <> const H5::PredType& h5_type_of<std::int64_t>() { return H5::PredType::NATIVE_INT64; }
template <> const H5::PredType& h5_type_of<float>() { return H5::PredType::NATIVE_FLOAT; }
template <> const H5::PredType& h5_type_of<double>() { return H5::PredType::NATIVE_DOUBLE; }

template <class T>
void write_vector(H5::H5File& file, const std::string& path, const std::vector<T>& values) {
  make_parent_groups(file, path);
  hsize_t n = values.size();
  H5::DataSpace space(1, &n);
  H5::DataSet ds = file.createDataSet(path, h5_type_of<T>(), space, untimed_dcpl());
  if (n) ds.write(values.data(), h5_type_of<T>());
}
template void write_vector(H5::H5File&, const std::string&, const std::vector<std::int8_t>&);
template void write_vector(H5::H5File&, const std::string&, const std::vector<std::int32_t>&);
template void write_vector(H5::H5File&, const std::string&, const std::vector<std::int64_t>&);
template void write_vector(H5::H5File&, const std::string&, const std::vector<double>&);

AppendableDataset::AppendableDataset(H5::H5File& file, const std::string& path, const H5::PredType& type,
                                     std::size_t elem_size, std::vector<hsize_t> inner, hsize_t chunk_rows, int gzip,
                                     bool shuffle)
    : type_(type), inner_(std::move(inner)), chunk_rows_(chunk_rows) {
  std::size_t per_row = 1;
  for (auto d : inner_) per_row *= d;
  row_bytes_ = per_row * elem_size;
  std::vector<hsize_t> dims{0}, maxdims{H5S_UNLIMITED}, chunk{chunk_rows_};
  for (auto d : inner_) {
    dims.push_back(d);
    maxdims.push_back(d);
    chunk.push_back(d);
  }
  H5::DataSpace space(static_cast<int>(dims.size()), dims.data(), maxdims.data());
  H5::DSetCreatPropList dcpl = untimed_dcpl();
  dcpl.setChunk(static_cast<int>(chunk.size()), chunk.data());
  if (gzip > 0) {
    if (shuffle) dcpl.setShuffle();
    dcpl.setDeflate(static_cast<unsigned>(gzip));
  }
  make_parent_groups(file, path);
  ds_ = file.createDataSet(path, type_, space, dcpl, no_chunk_cache());
  buffer_.resize(chunk_rows_ * row_bytes_);
}

void AppendableDataset::append(const void* rows, hsize_t n) {
  const char* src = static_cast<const char*>(rows);
  while (n > 0) {
    const hsize_t take = std::min(n, chunk_rows_ - buffered_);
    std::memcpy(buffer_.data() + buffered_ * row_bytes_, src, take * row_bytes_);
    buffered_ += take;
    src += take * row_bytes_;
    n -= take;
    if (buffered_ == chunk_rows_) flush();
  }
}

void AppendableDataset::flush() {
  if (buffered_ == 0) return;
  std::vector<hsize_t> size{rows_ + buffered_}, offset{rows_}, count{buffered_};
  for (auto d : inner_) {
    size.push_back(d);
    offset.push_back(0);
    count.push_back(d);
  }
  ds_.extend(size.data());
  H5::DataSpace file_space = ds_.getSpace();
  file_space.selectHyperslab(H5S_SELECT_SET, count.data(), offset.data());
  H5::DataSpace mem_space(static_cast<int>(count.size()), count.data());
  ds_.write(buffer_.data(), type_, mem_space, file_space);
  rows_ += buffered_;
  buffered_ = 0;
}

AppendableStrings::AppendableStrings(H5::H5File& file, const std::string& path, hsize_t chunk_rows)
    : type_(H5::PredType::C_S1, H5T_VARIABLE), chunk_rows_(chunk_rows) {
  type_.setCset(H5T_CSET_UTF8);
  hsize_t dims = 0, maxdims = H5S_UNLIMITED;
  H5::DataSpace space(1, &dims, &maxdims);
  H5::DSetCreatPropList dcpl = untimed_dcpl();
  dcpl.setChunk(1, &chunk_rows_);
  make_parent_groups(file, path);
  ds_ = file.createDataSet(path, type_, space, dcpl, no_chunk_cache());
}

void AppendableStrings::append(const std::string& s) {
  buffer_.push_back(s);
  if (buffer_.size() == chunk_rows_) flush();
}

void AppendableStrings::flush() {
  if (buffer_.empty()) return;
  hsize_t n = buffer_.size(), size = rows_ + n, offset = rows_;
  ds_.extend(&size);
  H5::DataSpace file_space = ds_.getSpace();
  file_space.selectHyperslab(H5S_SELECT_SET, &n, &offset);
  H5::DataSpace mem_space(1, &n);
  std::vector<const char*> ptrs;
  for (const auto& v : buffer_) ptrs.push_back(v.c_str());
  ds_.write(ptrs.data(), type_, mem_space, file_space);
  rows_ += n;
  buffer_.clear();
}

void write_strings(H5::H5File& file, const std::string& path, const std::vector<std::string>& values) {
  H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
  type.setCset(H5T_CSET_UTF8);
  hsize_t n = values.size();
  H5::DataSpace space(1, &n);
  H5::DSetCreatPropList dcpl = untimed_dcpl();
  if (n > 0) {
    hsize_t chunk = std::min<hsize_t>(n, 4096);
    dcpl.setChunk(1, &chunk);
  }
  make_parent_groups(file, path);
  H5::DataSet ds = file.createDataSet(path, type, space, dcpl);
  std::vector<const char*> ptrs;
  ptrs.reserve(values.size());
  for (const auto& s : values) ptrs.push_back(s.c_str());
  if (n > 0) ds.write(ptrs.data(), type);
}

std::vector<std::string> read_strings(H5::H5File& file, const std::string& path, hsize_t begin, hsize_t count) {
  H5::DataSet ds = file.openDataSet(path);
  H5::DataSpace space = ds.getSpace();
  hsize_t n = 0;
  space.getSimpleExtentDims(&n);
  if (begin > n || count > n - begin)
    throw std::out_of_range(path + ": rows [" + std::to_string(begin) + ", " + std::to_string(begin + count) +
                            ") outside its " + std::to_string(n) + " rows");
  std::vector<std::string> out(count);
  if (count == 0) return out;
  space.selectHyperslab(H5S_SELECT_SET, &count, &begin);
  H5::DataSpace mem(1, &count);
  H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
  type.setCset(H5T_CSET_UTF8);
  std::vector<char*> ptrs(count, nullptr);
  ds.read(ptrs.data(), type, mem, space);
  for (hsize_t k = 0; k < count; ++k) out[k] = ptrs[k] ? ptrs[k] : "";
  H5Dvlen_reclaim(type.getId(), mem.getId(), H5P_DEFAULT, ptrs.data());
  return out;
}

std::vector<std::string> read_strings(H5::H5File& file, const std::string& path) {
  H5::DataSet ds = file.openDataSet(path);
  hsize_t n = 0;
  ds.getSpace().getSimpleExtentDims(&n);
  return read_strings(file, path, 0, n);
}

}  // namespace labkit::tensorio
