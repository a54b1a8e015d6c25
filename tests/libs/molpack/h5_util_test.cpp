// The HDF5 helpers molpack writes its layout with: appendable datasets across chunk boundaries,
// string tables, untimed (byte-reproducible) files, and the split label names.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "labkit/tensorio/h5_append.h"
#include "labkit/molpack/layout.h"
#include "labkit/tensorio/h5.h"
#include "temp_dir.h"

namespace fs = std::filesystem;
using namespace labkit::molpack;  // layout names and split labels
using namespace labkit::tensorio;  // the appendable datasets (libs/tensorio h5_append.h)

namespace {

std::string temp_path(const std::string& name) {
  static const std::string dir = labkit::test::fresh_temp_dir("molpack_h5");
  return dir + "/" + name;
}

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// 10 rows of [3] floats appended 3 rows at a time into 4-row chunks, plus strings; returns the path.
void write_demo(const std::string& path) {
  labkit::tensorio::H5File f = labkit::tensorio::H5File::create(path);
  {
    AppendableDataset d(f.handle(), "/g/rows", H5::PredType::NATIVE_FLOAT, 4, {3}, 4, 0, false);
    AppendableStrings s(f.handle(), "/g/names", 4);
    for (int k = 0; k < 10; k += 3) {
      std::vector<float> rows;
      for (int r = k; r < std::min(10, k + 3); ++r)
        for (int c = 0; c < 3; ++c) rows.push_back(static_cast<float>(r) + 0.5f * static_cast<float>(c));
      d.append(rows.data(), rows.size() / 3);
    }
    EXPECT_EQ(d.rows(), 10u);
    for (int k = 0; k < 6; ++k) s.append("name-" + std::to_string(k));
    d.flush();
    s.flush();
  }
  write_vector(f.handle(), "/v/i64", std::vector<std::int64_t>{1, -2, 3});
  write_strings(f.handle(), "/v/keys", {"a", "", "ünï"});
  set_units(f, "/g/rows", "Ang");
  f.commit();
}

}  // namespace

TEST(MolpackH5, AppendableRoundTripAndReproducibleBytes) {
  const std::string a = temp_path("a.h5"), b = temp_path("b.h5");
  write_demo(a);
  write_demo(b);
  {
    labkit::tensorio::H5File f = labkit::tensorio::H5File::open_read(a);
    const auto info = labkit::tensorio::array_info(f, "/g/rows");
    EXPECT_EQ(info.shape, (std::vector<std::int64_t>{10, 3}));
    EXPECT_EQ(info.chunk, (std::vector<std::int64_t>{4, 3}));
    const auto rows = labkit::tensorio::read_array<float>(f, "/g/rows");
    for (int r = 0; r < 10; ++r)
      for (int c = 0; c < 3; ++c) EXPECT_EQ(rows[static_cast<std::size_t>(3 * r + c)], static_cast<float>(r) + 0.5f * static_cast<float>(c));
    EXPECT_EQ(read_strings(f.handle(), "/g/names"),
              (std::vector<std::string>{"name-0", "name-1", "name-2", "name-3", "name-4", "name-5"}));
    EXPECT_EQ(read_strings(f.handle(), "/g/names", 2, 3), (std::vector<std::string>{"name-2", "name-3", "name-4"}));
    EXPECT_TRUE(read_strings(f.handle(), "/g/names", 6, 0).empty());
    EXPECT_THROW(read_strings(f.handle(), "/g/names", 4, 3), std::out_of_range);
    EXPECT_EQ(labkit::tensorio::read_array<std::int64_t>(f, "/v/i64"), (std::vector<std::int64_t>{1, -2, 3}));
    EXPECT_EQ(read_strings(f.handle(), "/v/keys"), (std::vector<std::string>{"a", "", "ünï"}));
    EXPECT_EQ(labkit::tensorio::attribute_string(f, "/g/rows", "units"), std::optional<std::string>("Ang"));
  }
  // No object timestamps: the same content gives the same bytes (sha256 manifests depend on it).
  EXPECT_EQ(slurp(a), slurp(b));
  fs::remove(a);
  fs::remove(b);
}

TEST(MolpackLayout, SplitLabelNamesRoundTrip) {
  for (int l : {kTrain, kVal, kTest, kOod, kOodMedium, kOodLarge, kUnlabelled, kMixed})
    EXPECT_EQ(split_label_from_name(split_label_name(l)), l);
  EXPECT_STREQ(split_label_name(kVal), "val");
  EXPECT_STREQ(split_label_name(42), "?");
  EXPECT_EQ(split_label_from_name("nonsense"), -100);
}
