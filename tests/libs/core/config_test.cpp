#include "labkit/core/config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "labkit/core/error.h"

using labkit::Config;
using labkit::InputError;
using nlohmann::json;

namespace {
json defaults() {
  return json{{"train", {{"lr", 0.001}, {"epochs", 10}, {"name", "run"}, {"amp", false}}},
              {"sizes", json::array({1, 2})},
              {"checkpoint", nullptr}};
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(Config, OverridesAreTypeChecked) {
  Config c(defaults());
  c.apply_override("train.lr=0.5");
  c.apply_override("train.epochs=3");
  c.apply_override("train.amp=true");
  c.apply_override("train.name=vit_b");
  c.apply_override("sizes=[4,5,6]");
  EXPECT_DOUBLE_EQ(c.get<double>("train.lr"), 0.5);
  EXPECT_EQ(c.get<int>("train.epochs"), 3);
  EXPECT_TRUE(c.get<bool>("train.amp"));
  EXPECT_EQ(c.get<std::string>("train.name"), "vit_b");
  EXPECT_EQ(c.at("sizes"), json::array({4, 5, 6}));
}

TEST(Config, IntegerAcceptedForFloatButNotTheReverse) {
  Config c(defaults());
  c.apply_override("train.lr=1");
  EXPECT_DOUBLE_EQ(c.get<double>("train.lr"), 1.0);
  const auto msg = error_of([&] { c.apply_override("train.epochs=2.5"); });
  EXPECT_NE(msg.find("'train.epochs' expects integer"), std::string::npos) << msg;
}

TEST(Config, StringKeyKeepsNumericTextAsString) {
  Config c(defaults());
  c.apply_override("train.name=123");
  EXPECT_EQ(c.get<std::string>("train.name"), "123");
}

TEST(Config, NullDefaultAcceptsAnyType) {
  Config c(defaults());
  c.apply_override("checkpoint=/tmp/model.safetensors");
  EXPECT_EQ(c.get<std::string>("checkpoint"), "/tmp/model.safetensors");
}

TEST(Config, UnknownKeyIsNamed) {
  Config c(defaults());
  const auto msg = error_of([&] { c.apply_override("train.lrr=0.1"); });
  EXPECT_NE(msg.find("unknown config key 'train.lrr'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("train.lr"), std::string::npos) << "known keys are listed: " << msg;
}

TEST(Config, MalformedOverride) {
  Config c(defaults());
  EXPECT_THROW(c.apply_override("train.lr"), InputError);
  EXPECT_THROW(c.apply_override("=3"), InputError);
}

TEST(Config, FileMergeNamesFileAndKey) {
  const std::string path = ::testing::TempDir() + "/labkit_config_test.json";
  {
    std::ofstream(path) << R"({"train": {"epochs": 7, "bogus": 1}})";
  }
  Config c(defaults());
  const auto msg = error_of([&] { c.merge_file(path); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("'train.bogus'"), std::string::npos) << msg;

  {
    std::ofstream(path) << R"({"train": {"epochs": 7}} // comments are allowed)";
  }
  Config ok(defaults());
  ok.merge_file(path);
  EXPECT_EQ(ok.get<int>("train.epochs"), 7);
  EXPECT_DOUBLE_EQ(ok.get<double>("train.lr"), 0.001) << "untouched keys keep defaults";
}

TEST(Config, CorruptFileAndMissingFile) {
  const std::string path = ::testing::TempDir() + "/labkit_config_bad.json";
  {
    std::ofstream(path) << R"({"train": )";
  }
  Config c(defaults());
  const auto msg = error_of([&] { c.merge_file(path); });
  EXPECT_NE(msg.find("invalid JSON"), std::string::npos) << msg;
  EXPECT_THROW(c.merge_file("/nonexistent/labkit.json"), InputError);
}

TEST(Config, KeysListsLeaves) {
  Config c(defaults());
  const auto keys = c.keys();
  EXPECT_EQ(keys.size(), 6u);
  EXPECT_NE(std::find(keys.begin(), keys.end(), "train.amp"), keys.end());
}
