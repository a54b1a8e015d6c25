// Element types shared by the safetensors and HDF5 readers/writers (names follow safetensors).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

#include "labkit/tensorio/half.h"

namespace labkit::tensorio {

enum class DType { kBool, kU8, kI8, kU16, kI16, kU32, kI32, kU64, kI64, kF16, kBF16, kF32, kF64 };

// Bytes per element (kBool is one byte holding 0 or 1).
std::size_t dtype_size(DType dtype);
// "BOOL", "U8", "I8", "U16", "I16", "U32", "I32", "U64", "I64", "F16", "BF16", "F32", "F64".
const char* dtype_name(DType dtype);
// Inverse of dtype_name; throws InputError("unknown dtype '<name>'") for anything else.
DType parse_dtype(const std::string& name);
bool dtype_is_float(DType dtype);  // F16, BF16, F32, F64

// DType of a C++ arithmetic type: dtype_of<float>() == DType::kF32. F16/BF16 have no C++ type here;
// pass their uint16_t bit patterns through the untyped (DType, void*) functions instead.
template <class T>
constexpr DType dtype_of() {
  static_assert(std::is_arithmetic_v<T>, "dtype_of<T>: T must be an arithmetic type");
  if constexpr (std::is_same_v<T, bool>) {
    return DType::kBool;
  } else if constexpr (std::is_floating_point_v<T>) {
    static_assert(sizeof(T) == 4 || sizeof(T) == 8, "dtype_of<T>: only float and double");
    return sizeof(T) == 4 ? DType::kF32 : DType::kF64;
  } else {
    static_assert(sizeof(T) == 1 || sizeof(T) == 2 || sizeof(T) == 4 || sizeof(T) == 8);
    constexpr bool s = std::is_signed_v<T>;
    if constexpr (sizeof(T) == 1) return s ? DType::kI8 : DType::kU8;
    if constexpr (sizeof(T) == 2) return s ? DType::kI16 : DType::kU16;
    if constexpr (sizeof(T) == 4) return s ? DType::kI32 : DType::kU32;
    return s ? DType::kI64 : DType::kU64;
  }
}

}  // namespace labkit::tensorio
