// Settings from the default config (every key validated, named in errors), score files, synthetic rows,
// the error table's pivot comparison.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "evaluate.h"
#include "labkit/core/error.h"
#include "labkit/tensorio/safetensors.h"
#include "rows.h"
#include "run_command.h"
#include "settings.h"

using namespace labkit;
using namespace labkit::dbattn_bench;
using namespace labkit::tensorio;  // SafetensorsWriter, DType (labkit::tensorio since 8df8d99)

namespace {
std::string error_of(const std::string& override_text) {
  Config c(default_config());
  c.apply_override(override_text);
  try {
    Settings::from_config(c);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST(DbattnSettings, DefaultsParse) {
  auto s = Settings::from_config(Config(default_config()));
  EXPECT_EQ(s.formats.size(), 3u * 4 * 4 + 9);
  EXPECT_EQ(s.formats[0].name(), "dbfp:b16:m3:e6:max:rne:inf");
  EXPECT_EQ(s.lut.index_bits, 8);
  EXPECT_EQ(s.speed.lengths.back(), 8192);
}

TEST(DbattnSettings, BadValuesNameTheKey) {
  EXPECT_EQ(error_of("sweep.mantissa_bits=[0]"), "config sweep.mantissa_bits[0]: must be in [1, 23], got 0");
  EXPECT_EQ(error_of("sweep.blocks=[0, 32]"), "config sweep.blocks[0]: must be in [1, 1024], got 0");
  EXPECT_NE(error_of("sweep.exponent_bits=3").find("config sweep.exponent_bits: 3 exponent bits hold shared exponents up to 3"),
            std::string::npos);
  EXPECT_NE(error_of("lut.index_bits=17").find("config lut.index_bits: must be in [0, 16], got 17"), std::string::npos);
  EXPECT_NE(error_of("formats=[\"fp32\", \"dbfp:m0\"]").find("config formats[1]: format"), std::string::npos);
  EXPECT_NE(error_of("formats=[\"dbfp:b0\"]").find("block must be in 1..1024"), std::string::npos);
  EXPECT_NE(error_of("ppl_formats=[\"dbfp:e3\"]").find("config ppl_formats[0]: 3 exponent bits"), std::string::npos);
  EXPECT_EQ(error_of("synthetic.sigma=0"), "config synthetic.sigma: must be in (0, 1000), got 0");
  EXPECT_EQ(error_of("speed.lengths=[]"), "config speed.lengths: must have at least 1 entry, got 0");
  EXPECT_EQ(error_of("model.window=1"), "config model.window: must be in [2, 65536], got 1");
  // Open and closed ends of the real-valued ranges, as before the switch to labkit's helpers.
  EXPECT_EQ(error_of("synthetic.sigma=1000"), "config synthetic.sigma: must be in (0, 1000), got 1000");
  EXPECT_EQ(error_of("synthetic.outlier_low=-10000"), "config synthetic.outlier_low: must be in (-10000, 0], got -10000");
  EXPECT_EQ(error_of("synthetic.outlier_low=0"), "no error");
  EXPECT_EQ(error_of("synthetic.sink=10000"), "config synthetic.sink: must be in [0, 10000), got 10000");
  EXPECT_EQ(error_of("synthetic.sink=0"), "no error");
  EXPECT_EQ(error_of("model.sample_top_p=0"), "config model.sample_top_p: must be in (0, 1], got 0");
  EXPECT_EQ(error_of("model.sample_top_p=1"), "no error");
  EXPECT_EQ(error_of("synthetic.outlier_fraction=1.5"), "config synthetic.outlier_fraction: must be in [0, 1], got 1.5");
  EXPECT_EQ(error_of("lut.levels=3"), "config lut.levels: must be in [1, 2], got 3");
}

TEST(DbattnRows, ScoreFilesAreValidated) {
  const auto dir = test::fresh_temp_dir("dbattn_rows");
  auto write = [&](const std::string& name, DType dt, std::vector<int64_t> shape, const std::vector<float>& v) {
    SafetensorsWriter w;
    w.add("scores", dt, shape, v.data(), v.size() * sizeof(float));
    w.write(dir + "/" + name);
    return dir + "/" + name;
  };
  const float ninf = -std::numeric_limits<float>::infinity();
  auto ok = read_score_file(write("ok.safetensors", DType::kF32, {2, 3}, {1, 2, ninf, 0, 0, 0}));
  EXPECT_EQ(ok.n, 3);
  EXPECT_EQ(ok.count(), 2);
  EXPECT_EQ(ok.data[2], ninf);
  auto msg = [&](const std::string& path) {
    try {
      read_score_file(path);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const auto rank1 = write("rank1.safetensors", DType::kF32, {6}, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(msg(rank1), rank1 + ": tensor 'scores' must have shape [rows, n] (rank >= 2), has rank 1");
  const auto i32 = write("i32.safetensors", DType::kI32, {2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(msg(i32), i32 + ": tensor 'scores' must be F32, is I32");
  const auto nan = write("nan.safetensors", DType::kF32, {2, 3}, {1, 2, 3, 4, std::nanf(""), 6});
  EXPECT_EQ(msg(nan), nan + ": tensor 'scores' row 1: NaN score (only -inf, a masked position, is allowed)");
  const auto pinf = write("pinf.safetensors", DType::kF32, {1, 2}, {1, -ninf});
  EXPECT_NE(msg(pinf).find("+inf score"), std::string::npos);
}

TEST(DbattnEvaluate, OutlierRowsSeparatePivotsAndMxSitsInTheTable) {
  Config c(default_config());
  c.apply_override("synthetic.rows=16");
  c.apply_override("synthetic.length=256");
  c.apply_override("sweep.blocks=[32]");
  c.apply_override("sweep.mantissa_bits=[4]");
  c.apply_override("formats=[\"mxfp8_e4m3\"]");
  auto s = Settings::from_config(c);
  auto j = error_table(s.formats, s.lut, {gaussian_rows(s.synthetic, 0), outlier_rows(s.synthetic, 0)}, 2);
  ASSERT_EQ(j["formats"].size(), 5u);
  EXPECT_EQ(j["formats"][4]["format"], "mxfp8_e4m3");
  ASSERT_EQ(j["pivot_wins"].size(), 2u);
  for (const auto& w : j["pivot_wins"]) {
    EXPECT_GT(w["max_pivot_kl"].get<double>(), 0);
    EXPECT_TRUE(std::isfinite(w["best_other_kl"].get<double>()));
  }
  // The recorded max-pivot KL is the one evaluate() gives for that format and set.
  auto rows = outlier_rows(s.synthetic, 0);
  const blockfp::ExpLut lut(s.lut);
  auto e = evaluate({s.formats[0], s.lut}, lut, rows, reference(rows), 1)[0];
  EXPECT_DOUBLE_EQ(e.mean_kl, j["formats"][0]["sets"]["outliers"]["mean_kl"].get<double>());
}
