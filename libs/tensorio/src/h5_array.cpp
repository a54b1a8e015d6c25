// Dataset writing (chunking + gzip), metadata and full / hyperslab reads with type conversion.
#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "h5_internal.h"
#include "labkit/core/error.h"

namespace labkit::tensorio {

using h5_internal::shape_string;
using h5_internal::what;

namespace {

constexpr hsize_t kAutoChunkBytes = 1 << 20;

// ~1 MiB chunks: whole trailing dimensions, as many leading rows as fit (and split a row only when a
// single one is larger than the target).
std::vector<hsize_t> auto_chunk(const std::vector<hsize_t>& dims, size_t elem_size) {
  std::vector<hsize_t> chunk = dims;
  const hsize_t target = std::max<hsize_t>(1, kAutoChunkBytes / elem_size);
  for (size_t d = 0; d < dims.size(); ++d) {
    hsize_t inner = 1;
    for (size_t k = d + 1; k < dims.size(); ++k) inner *= dims[k];
    if (inner >= target && d + 1 < dims.size()) {
      chunk[d] = 1;
      continue;
    }
    chunk[d] = std::min(dims[d], std::max<hsize_t>(1, target / inner));
    break;
  }
  return chunk;
}

// Widens 0/1 (bool) or arbitrary values read as double into `as`.
void cast_doubles(const std::vector<double>& src, DType as, void* out) {
  auto put = [&](auto tag) {
    using T = decltype(tag);
    auto* dst = static_cast<T*>(out);
    for (size_t i = 0; i < src.size(); ++i) dst[i] = static_cast<T>(src[i]);
  };
  switch (as) {
    case DType::kBool: {
      auto* dst = static_cast<std::uint8_t*>(out);
      for (size_t i = 0; i < src.size(); ++i) dst[i] = src[i] != 0.0 ? 1 : 0;
      return;
    }
    case DType::kU8: return put(std::uint8_t{});
    case DType::kI8: return put(std::int8_t{});
    case DType::kU16: return put(std::uint16_t{});
    case DType::kI16: return put(std::int16_t{});
    case DType::kU32: return put(std::uint32_t{});
    case DType::kI32: return put(std::int32_t{});
    case DType::kU64: return put(std::uint64_t{});
    case DType::kI64: return put(std::int64_t{});
    case DType::kF32: return put(float{});
    case DType::kF64: return put(double{});
    case DType::kF16:
    case DType::kBF16: {
      auto* dst = static_cast<std::uint16_t*>(out);
      for (size_t i = 0; i < src.size(); ++i) {
        const auto f = static_cast<float>(src[i]);
        dst[i] = as == DType::kF16 ? float_to_half(f) : float_to_bfloat16(f);
      }
      return;
    }
  }
}

// Reads the selected elements into `out` as `as`. HDF5 converts between numeric types; bool (an enum)
// only converts to/from itself in HDF5, so other pairings go through a byte or double buffer here.
void read_selection(H5File& file, const std::string& name, H5::DataSet& ds, const H5::DataSpace& mem,
                    const H5::DataSpace& filespace, size_t n, DType as, void* out) {
  const auto stored = h5_internal::dtype_of_h5(ds.getDataType());
  if (!stored)
    throw input_error(file.path(), "dataset '" + name + "' has an unsupported element type (" +
                                       h5_internal::h5_class_name(ds.getTypeClass()) + ")");
  if (n == 0) return;
  try {
    if (*stored == DType::kBool && as != DType::kBool) {
      std::vector<std::uint8_t> bytes(n);
      ds.read(bytes.data(), h5_internal::h5_type(DType::kBool), mem, filespace);
      cast_doubles(std::vector<double>(bytes.begin(), bytes.end()), as, out);
    } else if (*stored != DType::kBool && as == DType::kBool) {
      std::vector<double> values(n);
      ds.read(values.data(), H5::PredType::NATIVE_DOUBLE, mem, filespace);
      cast_doubles(values, as, out);
    } else {
      ds.read(out, h5_internal::h5_type(as), mem, filespace);
    }
  } catch (const H5::Exception& e) {
    throw input_error(file.path(), "cannot read dataset '" + name + "' (" + what(e) + ")");
  }
}

}  // namespace

void write_array(H5File& file, const std::string& dataset, DType dtype, const void* data,
                 const std::vector<int64_t>& shape, const DatasetOptions& options) {
  std::vector<hsize_t> dims;
  hsize_t numel = 1;
  for (int64_t d : shape) {
    if (d < 0) throw std::invalid_argument(file.path() + ": dataset '" + dataset + "' has a negative dimension");
    dims.push_back(static_cast<hsize_t>(d));
    numel *= static_cast<hsize_t>(d);
  }
  if (options.gzip < 0 || options.gzip > 9)
    throw std::invalid_argument(file.path() + ": dataset '" + dataset + "': gzip level must be 0..9");
  if (!options.chunk.empty() && options.chunk.size() != dims.size())
    throw std::invalid_argument(file.path() + ": dataset '" + dataset + "': chunk rank " +
                                std::to_string(options.chunk.size()) + " != data rank " + std::to_string(dims.size()));
  try {
    const H5::DataType type = h5_internal::h5_type(dtype);
    const H5::DataSpace space = dims.empty() ? H5::DataSpace(H5S_SCALAR)
                                             : H5::DataSpace(static_cast<int>(dims.size()), dims.data());
    H5::DSetCreatPropList dcpl;
    // Chunked layout needs every dimension > 0; scalars and empty arrays stay contiguous.
    if (!dims.empty() && numel > 0) {
      std::vector<hsize_t> chunk = options.chunk.empty() ? auto_chunk(dims, dtype_size(dtype)) : options.chunk;
      for (size_t i = 0; i < chunk.size(); ++i) {
        if (chunk[i] == 0)
          throw std::invalid_argument(file.path() + ": dataset '" + dataset + "': chunk dimensions must be > 0");
        chunk[i] = std::min(chunk[i], dims[i]);  // fixed-size datasets cannot have chunks beyond the shape
      }
      dcpl.setChunk(static_cast<int>(chunk.size()), chunk.data());
      if (options.gzip > 0) {
        if (options.shuffle) dcpl.setShuffle();
        dcpl.setDeflate(static_cast<unsigned>(options.gzip));
      }
    }
    H5::LinkCreatPropList lcpl;
    if (H5Pset_create_intermediate_group(lcpl.getId(), 1) < 0)
      throw std::runtime_error(file.path() + ": cannot set up intermediate group creation");
    H5::DataSet ds = file.handle().createDataSet(dataset, type, space, dcpl, H5::DSetAccPropList::DEFAULT, lcpl);
    if (numel > 0) ds.write(data, type);
  } catch (const H5::Exception& e) {
    throw std::runtime_error(file.path() + ": cannot write dataset '" + dataset + "' (" + what(e) + ")");
  }
}

ArrayInfo array_info(H5File& file, const std::string& dataset) {
  H5::DataSet ds = h5_internal::open_dataset(file, dataset);
  try {
    ArrayInfo info;
    const auto dtype = h5_internal::dtype_of_h5(ds.getDataType());
    if (!dtype)
      throw input_error(file.path(), "dataset '" + dataset + "' has an unsupported element type (" +
                                         h5_internal::h5_class_name(ds.getTypeClass()) + ")");
    info.dtype = *dtype;
    info.shape = h5_internal::dataspace_shape(ds.getSpace());
    const H5::DSetCreatPropList dcpl = ds.getCreatePlist();
    if (dcpl.getLayout() == H5D_CHUNKED) {
      std::vector<hsize_t> chunk(info.shape.size());
      dcpl.getChunk(static_cast<int>(chunk.size()), chunk.data());
      info.chunk.assign(chunk.begin(), chunk.end());
    }
    const int nfilters = dcpl.getNfilters();
    for (int i = 0; i < nfilters; ++i) {
      unsigned flags = 0, cd[8] = {0};
      size_t ncd = 8;
      char fname[64] = {0};
      unsigned config = 0;
      const H5Z_filter_t id =
          H5Pget_filter2(dcpl.getId(), static_cast<unsigned>(i), &flags, &ncd, cd, sizeof fname, fname, &config);
      if (id == H5Z_FILTER_SHUFFLE) {
        info.shuffle = true;
      } else if (id == H5Z_FILTER_DEFLATE) {
        info.compression = "gzip";
        info.gzip_level = ncd > 0 ? static_cast<int>(cd[0]) : 0;
      } else if (id == H5Z_FILTER_SZIP) {
        info.compression = "szip";
      } else if (id == 32000) {  // h5py's LZF filter
        info.compression = "lzf";
      } else if (id != H5Z_FILTER_FLETCHER32 && id >= 0) {
        info.compression = "filter" + std::to_string(id);
      }
    }
    return info;
  } catch (const H5::Exception& e) {
    throw input_error(file.path(), "cannot inspect dataset '" + dataset + "' (" + what(e) + ")");
  }
}

void read_array(H5File& file, const std::string& dataset, DType as, void* out) {
  H5::DataSet ds = h5_internal::open_dataset(file, dataset);
  const H5::DataSpace space = ds.getSpace();
  const auto n = static_cast<size_t>(space.getSimpleExtentNpoints());
  read_selection(file, dataset, ds, space, space, n, as, out);
}

void read_slab(H5File& file, const std::string& dataset, const std::vector<int64_t>& offset,
               const std::vector<int64_t>& count, DType as, void* out) {
  H5::DataSet ds = h5_internal::open_dataset(file, dataset);
  H5::DataSpace filespace = ds.getSpace();
  const std::vector<int64_t> shape = h5_internal::dataspace_shape(filespace);
  const std::string slab = "slab offset " + shape_string(offset) + " count " + shape_string(count);
  if (offset.size() != shape.size() || count.size() != shape.size())
    throw input_error(file.path(), slab + " does not match the rank of dataset '" + dataset + "' with shape " +
                                       shape_string(shape));
  size_t n = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (offset[i] < 0 || count[i] < 0 || offset[i] > shape[i] || count[i] > shape[i] - offset[i])
      throw input_error(file.path(), slab + " is out of range for dataset '" + dataset + "' with shape " +
                                         shape_string(shape));
    n *= static_cast<size_t>(count[i]);
  }
  if (shape.empty()) return read_selection(file, dataset, ds, filespace, filespace, 1, as, out);
  if (n == 0) return;
  const std::vector<hsize_t> start(offset.begin(), offset.end());
  const std::vector<hsize_t> cnt(count.begin(), count.end());
  try {
    filespace.selectHyperslab(H5S_SELECT_SET, cnt.data(), start.data());
  } catch (const H5::Exception& e) {
    throw input_error(file.path(), slab + ": cannot select in dataset '" + dataset + "' (" + what(e) + ")");
  }
  const H5::DataSpace mem(static_cast<int>(cnt.size()), cnt.data());
  read_selection(file, dataset, ds, mem, filespace, n, as, out);
}

}  // namespace labkit::tensorio
