// Range checks of the settings layer: values in range pass, anything else is an InputError naming the key.
#include "labkit/core/settings.h"
#include "error_of.h"

#include <gtest/gtest.h>

#include <functional>

using labkit::Config;
using nlohmann::json;

namespace {
Config config() {
  return Config(json{{"steps", 10},
                     {"lr", 0.001},
                     {"mode", "rtn"},
                     {"clicks", {1, 3, 5}},
                     {"fractions", {0.6, 0.9}},
                     {"nsb", {{"size_kb", 64}}}});
}

using labkit::test::error_of;  // tests/support/error_of.h
}  // namespace

TEST(Settings, InRangeValuesPass) {
  Config c = config();
  EXPECT_EQ(labkit::int_in(c, "steps", 1, 10), 10);
  EXPECT_DOUBLE_EQ(labkit::number_in(c, "lr", 0, 1), 0.001);
  EXPECT_DOUBLE_EQ(labkit::positive(c, "lr"), 0.001);
  EXPECT_EQ(labkit::ints_in(c, "clicks", 1, 20, 1), (std::vector<std::int64_t>{1, 3, 5}));
  EXPECT_EQ(labkit::numbers_in(c, "fractions", 0, 1), (std::vector<double>{0.6, 0.9}));
  EXPECT_EQ(labkit::one_of(c, "mode", {"rtn", "gptq"}), "rtn");
  EXPECT_EQ(labkit::int_in(c, "nsb.size_kb", 1, 1048576), 64);
}

TEST(Settings, IntegerOutOfRangeNamesKeyBoundsAndValue) {
  Config c = config();
  c.apply_override("nsb.size_kb=4294967296");
  EXPECT_EQ(error_of([&] { labkit::int_in(c, "nsb.size_kb", 1, 1048576); }),
            "config nsb.size_kb: must be in [1, 1048576], got 4294967296");
  c.apply_override("steps=-1");
  EXPECT_EQ(error_of([&] { labkit::int_in(c, "steps", 1, 1000); }), "config steps: must be in [1, 1000], got -1");
  // Beyond int64: nlohmann keeps it unsigned; it must not wrap into range.
  c.apply_override("steps=18446744073709551615");
  EXPECT_EQ(error_of([&] { labkit::int_in(c, "steps", -5, 1000); }),
            "config steps: must be in [-5, 1000], got 18446744073709551615");
}

TEST(Settings, NumbersMustBeFiniteAndInRange) {
  Config c = config();
  c.apply_override("lr=1e30");
  EXPECT_EQ(error_of([&] { labkit::number_in(c, "lr", 0, 1); }), "config lr: must be in [0, 1], got 1e+30");
  c.apply_override("lr=-1");
  EXPECT_EQ(error_of([&] { labkit::positive(c, "lr"); }), "config lr: must be > 0, got -1");
  c.apply_override("lr=0");
  EXPECT_EQ(error_of([&] { labkit::positive(c, "lr"); }), "config lr: must be > 0, got 0");
  EXPECT_EQ(error_of([] { labkit::check_number_in("lr", json(std::nan("")), 0, 1); }),
            "config lr: must be a finite number, got nan");
  EXPECT_EQ(error_of([] { labkit::check_number_in("lr", json(1.0 / 0.0), 0, 1e308); }).rfind("config lr: must be a finite number", 0), 0u);
}

TEST(Settings, ArraysNameTheEntry) {
  Config c = config();
  c.apply_override("clicks=[1,30]");
  EXPECT_EQ(error_of([&] { labkit::ints_in(c, "clicks", 1, 20); }), "config clicks[1]: must be in [1, 20], got 30");
  c.apply_override("clicks=[]");
  EXPECT_EQ(error_of([&] { labkit::ints_in(c, "clicks", 1, 20, 1); }), "config clicks: must have at least 1 entry, got 0");
  c.apply_override("fractions=[0.5, 1.5]");
  EXPECT_EQ(error_of([&] { labkit::numbers_in(c, "fractions", 0, 1); }),
            "config fractions[1]: must be in [0, 1], got 1.5");
  c.apply_override("clicks=[1, 2.5]");
  EXPECT_EQ(error_of([&] { labkit::ints_in(c, "clicks", 1, 20); }), "config clicks[1]: must be an integer, got 2.5");
}

TEST(Settings, OneOf) {
  Config c = config();
  c.apply_override("mode=awq");
  EXPECT_EQ(error_of([&] { labkit::one_of(c, "mode", {"rtn", "gptq"}); }), "config mode: must be one of rtn, gptq, got \"awq\"");
}
