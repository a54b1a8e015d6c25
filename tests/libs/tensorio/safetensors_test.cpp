#include "labkit/tensorio/safetensors.h"

#include <gtest/gtest.h>

#include <cstring>
#include <numeric>

#include "labkit/core/error.h"
#include "test_util.h"

namespace labkit::tensorio {
namespace {

using test::expect_error;

// 8-byte little-endian length + header + data, exactly the on-disk layout.
std::string st_bytes(const std::string& header, const std::string& data = "") {
  std::string out;
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  return out + header + data;
}

template <class T>
std::string raw(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

template <class T>
std::vector<T> values_of(const TensorView& t) {
  std::vector<T> v(t.nbytes / sizeof(T));
  std::memcpy(v.data(), t.data, t.nbytes);
  return v;
}

class Safetensors : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = test::fresh_temp_dir("st"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string file(const std::string& name) const { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

TEST_F(Safetensors, WriterProducesTheExactHandComputedBytes) {
  SafetensorsWriter w;
  w.add<float>("a", {1.0f, -2.0f}, {2});
  // 54 bytes of JSON + 2 spaces = 56 (a multiple of 8); then 1.0f and -2.0f little-endian.
  const std::string header = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  ASSERT_EQ(header.size(), 54u);
  const std::string expected = std::string("\x38\0\0\0\0\0\0\0", 8) + header + "  " +
                               std::string("\x00\x00\x80\x3f\x00\x00\x00\xc0", 8);
  EXPECT_EQ(w.serialize(), expected);
  w.write(file("a.safetensors"));
  EXPECT_EQ(test::read_bytes(file("a.safetensors")), expected);
}

TEST_F(Safetensors, ReadsAPythonStyleFile) {
  // Layout as written by the Python package: __metadata__ first, header padded with spaces, header order
  // not the data order.
  const std::string header =
      R"({"__metadata__":{"format":"pt"},"w":{"dtype":"I64","shape":[2],"data_offsets":[4,20]},)"
      R"("b":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}})";
  const std::string data = raw(std::vector<uint16_t>{0x3c00, 0xc100}) + raw(std::vector<int64_t>{-7, 1LL << 40});
  test::write_bytes(file("p.safetensors"), st_bytes(header + "    ", data));
  auto f = SafetensorsFile::open(file("p.safetensors"));
  ASSERT_EQ(f->tensors().size(), 2u);
  EXPECT_EQ(f->tensors()[0].name, "b");  // file (data) order
  EXPECT_EQ(f->tensors()[1].name, "w");
  EXPECT_EQ(f->metadata().at("format"), "pt");
  const TensorView& b = f->at("b");
  EXPECT_EQ(b.dtype, DType::kF16);
  EXPECT_EQ(b.shape, (std::vector<int64_t>{2}));
  const auto halves = values_of<uint16_t>(b);
  EXPECT_EQ(half_to_float(halves[0]), 1.0f);
  EXPECT_EQ(half_to_float(halves[1]), -2.5f);
  EXPECT_EQ(values_of<int64_t>(f->at("w")), (std::vector<int64_t>{-7, 1LL << 40}));
  EXPECT_TRUE(f->contains("w"));
  EXPECT_FALSE(f->contains("x"));
  expect_error<InputError>([&] { f->at("missing"); }, {file("p.safetensors"), "missing"});
}

TEST_F(Safetensors, RoundTripsEveryDtypeAndMetadata) {
  SafetensorsWriter w;
  std::vector<std::string> names;
  for (DType d : {DType::kBool, DType::kU8, DType::kI8, DType::kU16, DType::kI16, DType::kU32, DType::kI32, DType::kU64,
                  DType::kI64, DType::kF16, DType::kBF16, DType::kF32, DType::kF64}) {
    // 2x3 elements of distinct bytes (bool: 0/1).
    std::vector<uint8_t> bytes(6 * dtype_size(d));
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = d == DType::kBool ? i % 2 : static_cast<uint8_t>(i * 37 + 11);
    w.add(std::string("t_") + dtype_name(d), d, {2, 3}, bytes.data(), bytes.size());
    names.push_back(std::string("t_") + dtype_name(d));
  }
  w.add<double>("scalar", {3.25}, {});
  w.add<float>("empty", {}, {0, 4});
  w.set_metadata("format", "pt");
  w.set_metadata("note", "labkit \"quoted\" ü");
  w.write(file("all.safetensors"));

  auto f = SafetensorsFile::open(file("all.safetensors"));
  ASSERT_EQ(f->tensors().size(), names.size() + 2);
  for (size_t k = 0; k < names.size(); ++k) {
    const TensorView& t = f->tensors()[k];
    EXPECT_EQ(t.name, names[k]);
    EXPECT_EQ(t.shape, (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(t.numel(), 6);
    for (size_t i = 0; i < t.nbytes; ++i)
      ASSERT_EQ(t.data[i], t.dtype == DType::kBool ? i % 2 : static_cast<uint8_t>(i * 37 + 11)) << t.name;
  }
  EXPECT_EQ(values_of<double>(f->at("scalar")), std::vector<double>{3.25});
  EXPECT_EQ(f->at("scalar").numel(), 1);
  EXPECT_EQ(f->at("empty").nbytes, 0u);
  EXPECT_EQ(f->at("empty").shape, (std::vector<int64_t>{0, 4}));
  EXPECT_EQ(f->metadata().size(), 2u);
  EXPECT_EQ(f->metadata().at("note"), "labkit \"quoted\" ü");
  EXPECT_EQ(f->path(), file("all.safetensors"));
}

TEST_F(Safetensors, NoMetadataKeyWhenEmptyAndTypedBoolAdd) {
  SafetensorsWriter w;
  w.add<bool>("mask", {true, false, true}, {3});
  const std::string bytes = w.serialize();
  EXPECT_EQ(bytes.find("__metadata__"), std::string::npos);
  EXPECT_EQ(bytes.substr(bytes.size() - 3), std::string("\x01\x00\x01", 3));
}

TEST_F(Safetensors, WriterRejectsBadInput) {
  SafetensorsWriter w;
  std::vector<float> v(6);
  EXPECT_THROW(w.add("x", DType::kF32, {2, 2}, v.data(), v.size() * 4), std::invalid_argument);
  EXPECT_THROW(w.add("__metadata__", DType::kF32, {6}, v.data(), 24), std::invalid_argument);
  w.add("x", DType::kF32, {6}, v.data(), 24);
  EXPECT_THROW(w.add("x", DType::kF32, {6}, v.data(), 24), std::invalid_argument);
  EXPECT_THROW(w.write((dir_ / "no_such_dir" / "x.safetensors").string()), std::runtime_error);
}

// Each corruption is rejected with "<path>: <problem>" and, where relevant, the tensor's name.
TEST_F(Safetensors, RejectsCorruptFiles) {
  const std::string ok_entry = R"("t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  const std::string data8(8, '\0');
  struct Case {
    std::string name, bytes;
    std::vector<std::string> parts;
  };
  std::string huge = st_bytes("{}");
  huge[0] = '\x10';
  huge[1] = '\x27';  // claims a 10000-byte header
  const std::vector<Case> cases = {
      {"short", "abc", {"shorter than"}},
      {"empty", "", {"shorter than"}},
      {"huge_header", huge, {"header length 10000 exceeds"}},
      {"not_json", st_bytes("{abc}"), {"not valid JSON"}},
      {"not_object", st_bytes("[1,2]"), {"not a JSON object"}},
      {"unknown_dtype", st_bytes(R"({"t":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}})", "xx"),
       {"tensor 't'", "F8_E4M3"}},
      {"size_mismatch", st_bytes(R"({"t":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", data8),
       {"tensor 't'", "12 bytes", "span 8"}},
      {"out_of_range", st_bytes(R"({"t":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", data8),
       {"tensor 't'", "out of range"}},
      {"reversed", st_bytes(R"({"t":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", data8),
       {"tensor 't'", "out of range"}},
      {"overlap",
       st_bytes("{" + ok_entry + R"(,"u":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", data8 + data8),
       {"tensor 'u' overlaps tensor 't'"}},
      {"negative_shape", st_bytes(R"({"t":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", data8),
       {"tensor 't'", "shape"}},
      {"huge_shape",
       st_bytes(R"({"t":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", data8),
       {"tensor 't'", "more bytes than the file"}},
      {"missing_offsets", st_bytes(R"({"t":{"dtype":"F32","shape":[2]}})", data8), {"tensor 't'", "data_offsets"}},
      {"metadata_number", st_bytes("{" + ok_entry + R"(,"__metadata__":{"epoch":3}})", data8),
       {"__metadata__", "epoch", "not a string"}},
      {"metadata_not_object", st_bytes(R"({"__metadata__":[1]})"), {"__metadata__"}},
  };
  for (const auto& c : cases) {
    const std::string path = file(c.name + ".safetensors");
    test::write_bytes(path, c.bytes);
    SCOPED_TRACE(c.name);
    std::vector<std::string> parts = c.parts;
    parts.insert(parts.begin(), path + ": ");
    try {
      SafetensorsFile::open(path);
      ADD_FAILURE() << "accepted";
    } catch (const InputError& e) {
      for (const auto& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
    }
  }
  expect_error<InputError>([&] { SafetensorsFile::open(file("does_not_exist")); }, {file("does_not_exist")});
}

// Written here, checked by check_safetensors_numpy.py (ctest tensorio_safetensors_numpy) with json +
// numpy. Without the interop directory it still checks that the file reads back.
TEST(SafetensorsInterop, WriteForNumpy) {
  const std::string dir = test::interop_dir().empty() ? test::fresh_temp_dir("st_interop") : test::interop_dir();
  SafetensorsWriter w;
  std::vector<float> f32(6);
  for (int i = 0; i < 6; ++i) f32[i] = i * 0.5f - 1.0f;
  w.add("f32", f32, {2, 3});
  w.add<double>("f64", {0.25, -1e300, 3.5, 1.0 / 3.0}, {4});
  w.add<int64_t>("i64", {-(1LL << 40), 0, (1LL << 40) + 7}, {3});
  w.add<int32_t>("i32", {-2147483647 - 1, 5}, {2});
  w.add<int16_t>("i16", {-300, 300}, {2, 1});
  w.add<int8_t>("i8", {-128, 127}, {2});
  w.add<uint8_t>("u8", {0, 128, 255}, {3});
  w.add<uint16_t>("u16", {65535}, {1});
  w.add<uint32_t>("u32", {4000000000u}, {1});
  w.add<uint64_t>("u64", {18000000000000000000ull}, {1});
  w.add<bool>("bool", {true, false, false, true}, {2, 2});
  const std::vector<uint16_t> f16 = {float_to_half(1.0f), float_to_half(-2.5f), float_to_half(65504.f),
                                     float_to_half(0.1f)};
  w.add("f16", DType::kF16, {4}, f16.data(), 8);
  const std::vector<uint16_t> bf16 = {float_to_bfloat16(1.5f), float_to_bfloat16(-3.0f)};
  w.add("bf16", DType::kBF16, {2}, bf16.data(), 4);
  w.set_metadata("format", "pt");
  w.set_metadata("producer", "labkit");
  const std::string path = dir + "/numpy_check.safetensors";
  w.write(path);
  auto f = SafetensorsFile::open(path);
  EXPECT_EQ(f->tensors().size(), 13u);
  EXPECT_EQ(values_of<float>(f->at("f32")), f32);
  if (test::interop_dir().empty()) std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace labkit::tensorio
