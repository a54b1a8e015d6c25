#include "labkit/tensorio/h5.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "labkit/core/error.h"
#include "test_util.h"

namespace labkit::tensorio {
namespace {

using test::expect_error;

class H5 : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = test::fresh_temp_dir("h5"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string file(const std::string& name) const { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

TEST_F(H5, CreateIsWriteThenRename) {
  const std::string path = file("a.h5");
  {
    H5File f = H5File::create(path);
    write_array<int32_t>(f, "x", {1, 2, 3}, {3});
    EXPECT_FALSE(std::filesystem::exists(path));  // only the temporary exists until commit()
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_TRUE(std::filesystem::is_empty(dir_));  // no temporary left behind
  {
    H5File f = H5File::create(path);
    write_array<int32_t>(f, "x", {1, 2, 3}, {3});
    f.commit();
    EXPECT_THROW(f.handle(), std::logic_error);
  }
  H5File r = H5File::open_read(path);
  EXPECT_EQ(read_array<int32_t>(r, "x"), (std::vector<int32_t>{1, 2, 3}));
  EXPECT_EQ(r.path(), path);
}

TEST_F(H5, RoundTripsEveryDtype) {
  const std::string path = file("all.h5");
  const std::vector<DType> all = {DType::kBool, DType::kU8,  DType::kI8,  DType::kU16, DType::kI16,
                                  DType::kU32,  DType::kI32, DType::kU64, DType::kI64, DType::kF16,
                                  DType::kBF16, DType::kF32, DType::kF64};
  // Values 0..11 (bool: alternating), stored in each type: exactly representable everywhere.
  auto make = [](DType d) {
    std::vector<double> v(12);
    for (int i = 0; i < 12; ++i) v[i] = d == DType::kBool ? i % 2 : i - (d == DType::kU8 || d == DType::kU16 || d == DType::kU32 || d == DType::kU64 ? 0 : 5);
    return v;
  };
  auto encode = [](const std::vector<double>& v, DType d) {
    std::vector<uint8_t> out(v.size() * dtype_size(d));
    for (size_t i = 0; i < v.size(); ++i) {
      void* p = out.data() + i * dtype_size(d);
      switch (d) {
        case DType::kBool: case DType::kU8: *static_cast<uint8_t*>(p) = static_cast<uint8_t>(v[i]); break;
        case DType::kI8: *static_cast<int8_t*>(p) = static_cast<int8_t>(v[i]); break;
        case DType::kU16: *static_cast<uint16_t*>(p) = static_cast<uint16_t>(v[i]); break;
        case DType::kI16: *static_cast<int16_t*>(p) = static_cast<int16_t>(v[i]); break;
        case DType::kU32: *static_cast<uint32_t*>(p) = static_cast<uint32_t>(v[i]); break;
        case DType::kI32: *static_cast<int32_t*>(p) = static_cast<int32_t>(v[i]); break;
        case DType::kU64: *static_cast<uint64_t*>(p) = static_cast<uint64_t>(v[i]); break;
        case DType::kI64: *static_cast<int64_t*>(p) = static_cast<int64_t>(v[i]); break;
        case DType::kF16: *static_cast<uint16_t*>(p) = float_to_half(static_cast<float>(v[i])); break;
        case DType::kBF16: *static_cast<uint16_t*>(p) = float_to_bfloat16(static_cast<float>(v[i])); break;
        case DType::kF32: *static_cast<float*>(p) = static_cast<float>(v[i]); break;
        case DType::kF64: *static_cast<double*>(p) = v[i]; break;
      }
    }
    return out;
  };
  {
    H5File f = H5File::create(path);
    for (DType d : all) {
      const auto bytes = encode(make(d), d);
      write_array(f, std::string("/typed/") + dtype_name(d), d, bytes.data(), {3, 4});
    }
    f.commit();
  }
  H5File f = H5File::open_read(path);
  for (DType d : all) {
    const std::string name = std::string("/typed/") + dtype_name(d);
    SCOPED_TRACE(name);
    const ArrayInfo info = array_info(f, name);
    EXPECT_EQ(info.dtype, d);
    EXPECT_EQ(info.shape, (std::vector<int64_t>{3, 4}));
    std::vector<uint8_t> same(12 * dtype_size(d));
    read_array(f, name, d, same.data());
    EXPECT_EQ(same, encode(make(d), d));  // same type: bit-exact
    // Converted by HDF5 (or through bool's path) to double: the original values.
    std::vector<double> as_double(12);
    read_array(f, name, DType::kF64, as_double.data());
    EXPECT_EQ(as_double, make(d));
  }
  // Non-bool data read as bool is "!= 0".
  std::vector<uint8_t> mask(12);
  read_array(f, "/typed/I32", DType::kBool, mask.data());
  for (int i = 0; i < 12; ++i) EXPECT_EQ(mask[i], i != 5 ? 1 : 0);
  EXPECT_EQ(read_array<bool>(f, "/typed/BOOL")[3], true);
}

TEST_F(H5, HalfFloatsConvertThroughHdf5LikeOurConverters) {
  // HDF5's own float conversion is an independent check of half_to_float / bfloat16_to_float.
  std::vector<uint16_t> halves, bhalves;
  for (uint32_t h = 0; h < 0x7c00; h += 7) halves.push_back(static_cast<uint16_t>(h | ((h & 8) << 12)));
  for (uint32_t h = 0; h < 0x7f80; h += 13) bhalves.push_back(static_cast<uint16_t>(h | ((h & 8) << 12)));
  const std::string path = file("half.h5");
  {
    H5File f = H5File::create(path);
    write_array(f, "h", DType::kF16, halves.data(), {static_cast<int64_t>(halves.size())});
    write_array(f, "b", DType::kBF16, bhalves.data(), {static_cast<int64_t>(bhalves.size())});
    f.commit();
  }
  H5File f = H5File::open_read(path);
  const auto hf = read_array<float>(f, "h");
  for (size_t i = 0; i < halves.size(); ++i) ASSERT_EQ(hf[i], half_to_float(halves[i])) << std::hex << halves[i];
  const auto bf = read_array<float>(f, "b");
  for (size_t i = 0; i < bhalves.size(); ++i) ASSERT_EQ(bf[i], bfloat16_to_float(bhalves[i])) << std::hex << bhalves[i];
}

TEST_F(H5, ChunkedGzipDatasetReportsLayoutAndSlabsMatchFullRead) {
  const std::string path = file("chunked.h5");
  std::vector<float> v(40 * 30);
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(0.01f * static_cast<float>(i));
  {
    H5File f = H5File::create(path);
    DatasetOptions opt;
    opt.chunk = {8, 30};
    opt.gzip = 6;
    write_array(f, "/g/h/v", v, {40, 30}, opt);
    write_array<double>(f, "auto", std::vector<double>(300000, 1.5), {1000, 300});  // 2.4 MB
    DatasetOptions plain;
    plain.gzip = 0;
    write_array<int16_t>(f, "plain", {1, 2}, {2}, plain);
    write_array<double>(f, "scalar", {2.5}, {});
    f.commit();
  }
  H5File f = H5File::open_read(path);
  const ArrayInfo info = array_info(f, "/g/h/v");
  EXPECT_EQ(info.chunk, (std::vector<int64_t>{8, 30}));
  EXPECT_EQ(info.compression, "gzip");
  EXPECT_EQ(info.gzip_level, 6);
  EXPECT_TRUE(info.shuffle);
  const ArrayInfo a = array_info(f, "auto");
  ASSERT_EQ(a.chunk.size(), 2u);
  EXPECT_EQ(a.chunk[1], 300);
  EXPECT_EQ(a.chunk[0], (1 << 20) / (8 * 300));  // ~1 MiB of whole rows
  EXPECT_EQ(array_info(f, "plain").compression, "");
  EXPECT_FALSE(array_info(f, "plain").shuffle);
  EXPECT_TRUE(array_info(f, "scalar").shape.empty());
  EXPECT_EQ(read_array<double>(f, "scalar"), std::vector<double>{2.5});

  const auto full = read_array<float>(f, "/g/h/v");
  EXPECT_EQ(full, v);
  const auto slab = read_slab<float>(f, "/g/h/v", {5, 7}, {20, 11});
  ASSERT_EQ(slab.size(), 220u);
  for (int r = 0; r < 20; ++r)
    for (int c = 0; c < 11; ++c) ASSERT_EQ(slab[r * 11 + c], full[(5 + r) * 30 + 7 + c]);
  const auto as_f64 = read_slab<double>(f, "/g/h/v", {39, 29}, {1, 1});
  EXPECT_EQ(as_f64[0], static_cast<double>(full.back()));
  expect_error<InputError>([&] { read_slab<float>(f, "/g/h/v", {30, 0}, {11, 30}); },
                           {path, "/g/h/v", "out of range", "[40, 30]"});
  expect_error<InputError>([&] { read_slab<float>(f, "/g/h/v", {0}, {1}); }, {path, "rank"});
}

TEST_F(H5, AttributesRoundTrip) {
  const std::string path = file("attrs.h5");
  {
    H5File f = H5File::create(path);
    write_array<float>(f, "/img/data", {1, 2}, {2});
    set_attribute(f, "/", "title", "labkit test");
    set_attribute(f, "/img/data", "scale", 0.125);
    set_attribute(f, "/img/data", "count", int64_t{1} << 40);
    set_attribute(f, "/img/data", "small", 7);
    set_attribute(f, "/img", "spacing", std::vector<double>{0.5, 0.5, 2.0});
    set_units(f, "/img/data", "mm");
    set_attribute(f, "/img/data", "scale", 0.25);  // replaces
    f.commit();
  }
  H5File f = H5File::open_read(path);
  EXPECT_EQ(attribute_string(f, "/", "title"), "labkit test");
  EXPECT_EQ(attribute_double(f, "/img/data", "scale"), 0.25);
  EXPECT_EQ(attribute_int64(f, "/img/data", "count"), int64_t{1} << 40);
  EXPECT_EQ(attribute_double(f, "/img/data", "small"), 7.0);
  EXPECT_EQ(attribute_doubles(f, "/img", "spacing"), (std::vector<double>{0.5, 0.5, 2.0}));
  EXPECT_EQ(units(f, "/img/data"), "mm");
  EXPECT_EQ(attribute_string(f, "/img/data", "absent"), std::nullopt);
  EXPECT_EQ(attribute_double(f, "/img", "absent"), std::nullopt);
  expect_error<InputError>([&] { attribute_double(f, "/", "title"); }, {path, "title", "not a single number"});
  expect_error<InputError>([&] { attribute_string(f, "/img/data", "scale"); }, {path, "scale", "not a single string"});
  expect_error<InputError>([&] { attribute_string(f, "/nowhere", "x"); }, {path, "/nowhere"});

  const nlohmann::json tree = describe_tree(f);
  EXPECT_EQ(tree["file"], path);
  const auto& objs = tree["objects"];
  ASSERT_EQ(objs.size(), 3u);
  EXPECT_EQ(objs[0]["path"], "/");
  EXPECT_EQ(objs[0]["attributes"]["title"], "labkit test");
  EXPECT_EQ(objs[1]["path"], "/img");
  EXPECT_EQ(objs[1]["kind"], "group");
  EXPECT_EQ(objs[1]["attributes"]["spacing"], (nlohmann::json{0.5, 0.5, 2.0}));
  EXPECT_EQ(objs[2]["path"], "/img/data");
  EXPECT_EQ(objs[2]["dtype"], "F32");
  EXPECT_EQ(objs[2]["shape"], (nlohmann::json{2}));
  EXPECT_EQ(objs[2]["chunk"], (nlohmann::json{2}));
  EXPECT_EQ(objs[2]["compression"], "gzip");
  EXPECT_EQ(objs[2]["attributes"]["units"], "mm");
  EXPECT_EQ(objs[2]["attributes"]["count"], int64_t{1} << 40);
}

TEST_F(H5, BadFilesAndMissingDatasetsAreInputErrors) {
  const std::string good = file("good.h5");
  {
    H5File f = H5File::create(good);
    write_array<double>(f, "x", std::vector<double>(20000, 3.0), {20000}, DatasetOptions{{}, 0, false});
    f.commit();
  }
  const std::string bytes = test::read_bytes(good);
  ASSERT_GT(bytes.size(), 160000u);
  const std::string cut = file("cut.h5");
  test::write_bytes(cut, bytes.substr(0, bytes.size() / 2));
  const std::string text = file("text.h5");
  test::write_bytes(text, "this is not HDF5\n");
  for (const std::string& p : {cut, text, file("missing.h5")}) {
    expect_error<InputError>([&] { H5File::open_read(p); }, {p + ": not a readable HDF5 file ("});
    expect_error<InputError>([&] { H5File::open_rw(p); }, {p + ": not a readable HDF5 file ("});
  }
  {
    H5File f = H5File::open_read(good);
    expect_error<InputError>([&] { read_array<double>(f, "/nope/y"); }, {good, "'/nope/y'"});
    expect_error<InputError>([&] { array_info(f, "y"); }, {good, "'y'"});
  }
  H5File w = H5File::open_rw(good);
  expect_error<std::runtime_error>([&] { write_array<double>(w, "x", {1.0}, {1}); }, {good, "'x'"});
}

// Written here, checked by check_h5py.py (ctest tensorio_h5py) with h5py; without the interop directory
// it still checks the file reads back.
TEST(H5Interop, WriteForH5py) {
  const std::string dir = test::interop_dir().empty() ? test::fresh_temp_dir("h5_interop") : test::interop_dir();
  const std::string path = dir + "/h5py_check.h5";
  {
    H5File f = H5File::create(path);
    std::vector<float> v(64 * 10);
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i) * 0.5f;
    DatasetOptions opt;
    opt.chunk = {16, 10};
    write_array(f, "/data/f32", v, {64, 10}, opt);
    set_units(f, "/data/f32", "mm");
    set_attribute(f, "/data/f32", "scale", 2.5);
    set_attribute(f, "/data/f32", "count", int64_t{7});
    set_attribute(f, "/data", "spacing", std::vector<double>{1.0, 2.0, 3.0});
    const std::vector<uint16_t> f16 = {float_to_half(1.0f), float_to_half(0.5f), float_to_half(-2.0f),
                                       float_to_half(65504.f), 0x0001};
    write_array(f, "/data/f16", DType::kF16, f16.data(), {5});
    const std::vector<uint16_t> bf16 = {float_to_bfloat16(1.5f), float_to_bfloat16(-3.0f),
                                        float_to_bfloat16(256.f)};
    write_array(f, "/data/bf16", DType::kBF16, bf16.data(), {3});
    write_array<bool>(f, "/data/bool", {true, false, false, true}, {4});
    write_array<int64_t>(f, "/data/i64", {-(1LL << 40), 0, 9}, {3});
    write_array<uint8_t>(f, "/u8", {42}, {});
    set_attribute(f, "/", "title", "labkit interop");
    f.commit();
  }
  H5File r = H5File::open_read(path);
  EXPECT_EQ(read_array<float>(r, "/data/f16")[3], 65504.f);
  if (test::interop_dir().empty()) std::filesystem::remove_all(dir);
}

// Reads the file check_h5py.py wrote with h5py (skipped when run outside that ctest).
TEST(H5Interop, ReadFromH5py) {
  if (test::interop_dir().empty()) GTEST_SKIP() << "run by the tensorio_h5py ctest";
  const std::string path = test::interop_dir() + "/from_h5py.h5";
  H5File f = H5File::open_read(path);
  EXPECT_EQ(array_info(f, "f16").dtype, DType::kF16);
  EXPECT_EQ(read_array<float>(f, "f16"), (std::vector<float>{0.5f, -1.0f, 2048.0f}));
  EXPECT_EQ(array_info(f, "mask").dtype, DType::kBool);
  EXPECT_EQ(read_array<bool>(f, "mask"), (std::vector<bool>{true, false, true}));
  const ArrayInfo info = array_info(f, "grp/vals");
  EXPECT_EQ(info.dtype, DType::kI32);
  EXPECT_EQ(info.chunk, (std::vector<int64_t>{5, 2}));
  EXPECT_EQ(info.compression, "gzip");
  EXPECT_EQ(read_slab<int32_t>(f, "grp/vals", {9, 0}, {1, 2}), (std::vector<int32_t>{18, 19}));
  EXPECT_EQ(attribute_string(f, "grp/vals", "units"), "s");
  EXPECT_EQ(attribute_string(f, "/", "fixed"), "abc");  // numpy bytes_: fixed-length string
  EXPECT_EQ(attribute_double(f, "grp", "rate"), 0.75);
  EXPECT_EQ(attribute_int64(f, "grp", "n"), 12);
}

}  // namespace
}  // namespace labkit::tensorio
