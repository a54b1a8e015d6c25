// DType <-> HDF5 type mapping (see the format notes in h5.h), plus small helpers shared by h5_*.cpp.
#include <mutex>

#include "h5_internal.h"
#include "labkit/core/error.h"

namespace labkit::tensorio::h5_internal {
namespace {

// A 16-bit float with the given layout, derived from IEEE float32 as HDF5's docs suggest.
H5::FloatType float16_type(size_t exp_bits, size_t mant_bits, size_t bias) {
  H5::FloatType t(H5::PredType::IEEE_F32LE);  // copies the predefined type
  t.setFields(15, mant_bits, exp_bits, 0, mant_bits);
  t.setOffset(0);
  t.setPrecision(16);
  t.setSize(2);
  t.setEbias(bias);
  return t;
}

bool is_float16_layout(const H5::FloatType& t, size_t exp_bits, size_t mant_bits, size_t bias) {
  size_t spos, epos, esize, mpos, msize;
  t.getFields(spos, epos, esize, mpos, msize);
  return t.getSize() == 2 && spos == 15 && epos == mant_bits && esize == exp_bits && mpos == 0 &&
         msize == mant_bits && t.getEbias() == bias;
}

H5::EnumType bool_type() {
  H5::EnumType t(H5::PredType::STD_I8LE);
  int8_t v = 0;
  t.insert("FALSE", &v);
  v = 1;
  t.insert("TRUE", &v);
  return t;
}

}  // namespace

void quiet_hdf5() {
  static std::once_flag once;
  std::call_once(once, [] { H5::Exception::dontPrint(); });
}

H5::DataType h5_type(DType dtype) {
  using H5::PredType;
  switch (dtype) {
    case DType::kBool: return bool_type();
    case DType::kU8: return H5::IntType(PredType::STD_U8LE);
    case DType::kI8: return H5::IntType(PredType::STD_I8LE);
    case DType::kU16: return H5::IntType(PredType::STD_U16LE);
    case DType::kI16: return H5::IntType(PredType::STD_I16LE);
    case DType::kU32: return H5::IntType(PredType::STD_U32LE);
    case DType::kI32: return H5::IntType(PredType::STD_I32LE);
    case DType::kU64: return H5::IntType(PredType::STD_U64LE);
    case DType::kI64: return H5::IntType(PredType::STD_I64LE);
    case DType::kF16: return float16_type(5, 10, 15);
    case DType::kBF16: return float16_type(8, 7, 127);
    case DType::kF32: return H5::FloatType(PredType::IEEE_F32LE);
    case DType::kF64: return H5::FloatType(PredType::IEEE_F64LE);
  }
  throw std::invalid_argument("labkit: invalid DType");
}

std::optional<DType> dtype_of_h5(const H5::DataType& type) {
  const H5T_class_t cls = type.getClass();
  const size_t size = type.getSize();
  if (cls == H5T_INTEGER) {
    const bool is_signed = H5::IntType(type.getId()).getSign() != H5T_SGN_NONE;
    switch (size) {
      case 1: return is_signed ? DType::kI8 : DType::kU8;
      case 2: return is_signed ? DType::kI16 : DType::kU16;
      case 4: return is_signed ? DType::kI32 : DType::kU32;
      case 8: return is_signed ? DType::kI64 : DType::kU64;
      default: return std::nullopt;
    }
  }
  if (cls == H5T_FLOAT) {
    const H5::FloatType f(type.getId());
    if (size == 4) return DType::kF32;
    if (size == 8) return DType::kF64;
    if (is_float16_layout(f, 5, 10, 15)) return DType::kF16;
    if (is_float16_layout(f, 8, 7, 127)) return DType::kBF16;
    return std::nullopt;
  }
  if (cls == H5T_ENUM && size == 1) {  // h5py's bool: {FALSE: 0, TRUE: 1}
    const H5::EnumType e(type.getId());
    if (e.getNmembers() != 2) return std::nullopt;
    try {
      int8_t f = -1, t = -1;
      e.valueOf("FALSE", &f);
      e.valueOf("TRUE", &t);
      if (f == 0 && t == 1) return DType::kBool;
    } catch (const H5::Exception&) {
    }
    return std::nullopt;
  }
  return std::nullopt;
}

std::string h5_class_name(H5T_class_t cls) {
  switch (cls) {
    case H5T_INTEGER: return "integer";
    case H5T_FLOAT: return "float";
    case H5T_TIME: return "time";
    case H5T_STRING: return "string";
    case H5T_BITFIELD: return "bitfield";
    case H5T_OPAQUE: return "opaque";
    case H5T_COMPOUND: return "compound";
    case H5T_REFERENCE: return "reference";
    case H5T_ENUM: return "enum";
    case H5T_VLEN: return "vlen";
    case H5T_ARRAY: return "array";
    default: return "unknown";
  }
}

namespace {
// Keeps the most specific entry of HDF5's error stack (e.g. "truncated file: eof = ...").
herr_t innermost_error(unsigned n, const H5E_error2_t* err, void* out) {
  if (n == 0 && err != nullptr && err->desc != nullptr) *static_cast<std::string*>(out) = err->desc;
  return 0;
}
}  // namespace

std::string what(const H5::Exception& e) {
  const std::string fn = e.getFuncName();
  std::string msg = e.getDetailMsg();
  std::string detail;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost_error, &detail);
  if (!detail.empty() && detail != msg) msg += ": " + detail;
  return fn.empty() ? msg : fn + ": " + msg;
}

H5::DataSet open_dataset(H5File& file, const std::string& name) {
  try {
    return file.handle().openDataSet(name);
  } catch (const H5::Exception& e) {
    throw input_error(file.path(), "no dataset '" + name + "' (" + what(e) + ")");
  }
}

Object open_object(H5File& file, const std::string& object_path) {
  try {
    H5::H5File& f = file.handle();
    const H5O_type_t type = object_path == "/" ? H5O_TYPE_GROUP : f.childObjType(object_path);
    Object o;
    if (type == H5O_TYPE_GROUP) o.group = f.openGroup(object_path);
    if (type == H5O_TYPE_DATASET) o.dataset = f.openDataSet(object_path);
    if (o.group || o.dataset) return o;
  } catch (const H5::Exception& e) {
    throw input_error(file.path(), "no group or dataset '" + object_path + "' (" + what(e) + ")");
  }
  throw input_error(file.path(), "'" + object_path + "' is neither a group nor a dataset");
}

std::vector<int64_t> dataspace_shape(const H5::DataSpace& space) {
  const int rank = space.getSimpleExtentNdims();
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  if (rank > 0) space.getSimpleExtentDims(dims.data());
  return std::vector<int64_t>(dims.begin(), dims.end());
}

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace labkit::tensorio::h5_internal
