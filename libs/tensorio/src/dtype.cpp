#include "labkit/tensorio/dtype.h"

#include "labkit/core/error.h"

namespace labkit::tensorio {
namespace {

struct DTypeRow {
  DType dtype;
  const char* name;
  std::size_t size;
};

constexpr DTypeRow kRows[] = {
    {DType::kBool, "BOOL", 1}, {DType::kU8, "U8", 1},   {DType::kI8, "I8", 1},     {DType::kU16, "U16", 2},
    {DType::kI16, "I16", 2},   {DType::kU32, "U32", 4}, {DType::kI32, "I32", 4},   {DType::kU64, "U64", 8},
    {DType::kI64, "I64", 8},   {DType::kF16, "F16", 2}, {DType::kBF16, "BF16", 2}, {DType::kF32, "F32", 4},
    {DType::kF64, "F64", 8},
};

const DTypeRow& row(DType dtype) {
  for (const auto& r : kRows)
    if (r.dtype == dtype) return r;
  throw std::invalid_argument("labkit: invalid DType value " + std::to_string(static_cast<int>(dtype)));
}

}  // namespace

std::size_t dtype_size(DType dtype) { return row(dtype).size; }

const char* dtype_name(DType dtype) { return row(dtype).name; }

DType parse_dtype(const std::string& name) {
  for (const auto& r : kRows)
    if (name == r.name) return r.dtype;
  throw InputError("unknown dtype '" + name + "'");
}

bool dtype_is_float(DType dtype) {
  return dtype == DType::kF16 || dtype == DType::kBF16 || dtype == DType::kF32 || dtype == DType::kF64;
}

}  // namespace labkit::tensorio
