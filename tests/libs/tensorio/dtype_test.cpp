#include "labkit/tensorio/dtype.h"

#include <gtest/gtest.h>

#include "labkit/core/error.h"

namespace labkit::tensorio {
namespace {

TEST(DType, NamesSizesAndParseRoundTrip) {
  const struct {
    DType d;
    const char* name;
    size_t size;
  } rows[] = {{DType::kBool, "BOOL", 1}, {DType::kU8, "U8", 1},   {DType::kI8, "I8", 1},     {DType::kU16, "U16", 2},
              {DType::kI16, "I16", 2},   {DType::kU32, "U32", 4}, {DType::kI32, "I32", 4},   {DType::kU64, "U64", 8},
              {DType::kI64, "I64", 8},   {DType::kF16, "F16", 2}, {DType::kBF16, "BF16", 2}, {DType::kF32, "F32", 4},
              {DType::kF64, "F64", 8}};
  for (const auto& r : rows) {
    EXPECT_STREQ(dtype_name(r.d), r.name);
    EXPECT_EQ(dtype_size(r.d), r.size) << r.name;
    EXPECT_EQ(parse_dtype(r.name), r.d);
  }
}

TEST(DType, ParseRejectsUnknownNames) {
  EXPECT_THROW(parse_dtype("F8_E4M3"), InputError);
  EXPECT_THROW(parse_dtype("f32"), InputError);  // names are case-sensitive in safetensors
  EXPECT_THROW(parse_dtype(""), InputError);
}

TEST(DType, DtypeOfArithmeticTypes) {
  static_assert(dtype_of<bool>() == DType::kBool);
  static_assert(dtype_of<std::uint8_t>() == DType::kU8);
  static_assert(dtype_of<std::int8_t>() == DType::kI8);
  static_assert(dtype_of<std::uint16_t>() == DType::kU16);
  static_assert(dtype_of<std::int16_t>() == DType::kI16);
  static_assert(dtype_of<std::uint32_t>() == DType::kU32);
  static_assert(dtype_of<std::int32_t>() == DType::kI32);
  static_assert(dtype_of<std::uint64_t>() == DType::kU64);
  static_assert(dtype_of<std::int64_t>() == DType::kI64);
  static_assert(dtype_of<long long>() == DType::kI64);
  static_assert(dtype_of<unsigned long long>() == DType::kU64);
  static_assert(dtype_of<float>() == DType::kF32);
  static_assert(dtype_of<double>() == DType::kF64);
  EXPECT_TRUE(dtype_is_float(DType::kBF16));
  EXPECT_FALSE(dtype_is_float(DType::kI64));
}

}  // namespace
}  // namespace labkit::tensorio
