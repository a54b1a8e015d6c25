// The stdout summary: value formatting and alignment.
#include "labkit/core/summary.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using labkit::Summary;
using nlohmann::json;

TEST(Summary, IntegersPrintAsIntegers) {
  EXPECT_EQ(Summary::format_value(127825000), "127825000");  // nvr-sim printed 1.27825e+08
  EXPECT_EQ(Summary::format_value(json(std::uint64_t{18446744073709551615u})), "18446744073709551615");
  EXPECT_EQ(Summary::format_value(-3), "-3");
  EXPECT_EQ(Summary::format_value(1.27825e8), "127825000") << "an integral float over 1e6 keeps every digit";
}

TEST(Summary, FloatsWithSixSignificantDigits) {
  EXPECT_EQ(Summary::format_value(13.7), "13.7");
  EXPECT_EQ(Summary::format_value(0.912345678), "0.912346");
  EXPECT_EQ(Summary::format_value(259.1234567), "259.123");
  EXPECT_EQ(Summary::format_value(2.0), "2");
  EXPECT_EQ(Summary::format_value(1234567.25), "1234567.2");
  EXPECT_EQ(Summary::format_value(3.2e-7), "3.2000e-07");
  EXPECT_EQ(Summary::format_value(0.0), "0");
  EXPECT_EQ(Summary::format_value(std::numeric_limits<double>::quiet_NaN()), "nan");
  EXPECT_EQ(Summary::format_value(-std::numeric_limits<double>::infinity()), "-inf");
}

TEST(Summary, OtherTypes) {
  EXPECT_EQ(Summary::format_value("vit_b"), "vit_b");
  EXPECT_EQ(Summary::format_value(true), "yes");
  EXPECT_EQ(Summary::format_value(json()), "-");
  EXPECT_EQ(Summary::format_value(json::array({1, 2.5})), "1, 2.5");
}

TEST(Summary, RowsAreAlignedAndTablesFollow) {
  Summary s;
  EXPECT_TRUE(s.empty());
  s.add("perplexity", 13.71).add("tokens", 4096).add("wall time", 2.5, "s");
  s.add_table("Dice by clicks", {"clicks", "dice", "method"}, {{1, 0.81, "cpcl"}, {10, 0.875, "plain"}});
  EXPECT_EQ(s.render(),
            "perplexity  13.71\n"
            "tokens      4096\n"
            "wall time   2.5   s\n"
            "\n"
            "Dice by clicks\n"
            "clicks   dice  method\n"
            "------  -----  ------\n"
            "     1   0.81  cpcl\n"
            "    10  0.875  plain\n");
}

TEST(Summary, TextBlocksAndMismatchedRows) {
  Summary s;
  s.add_text("a.nii: image\n  size 1 x 2").add_text("b.h5: HDF5\n");
  EXPECT_EQ(s.render(), "a.nii: image\n  size 1 x 2\n\nb.h5: HDF5\n");
  EXPECT_THROW(s.add_table("t", {"a", "b"}, {{1}}), std::logic_error);
}
