#include "labkit/core/config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "labkit/core/error.h"
#include "temp_dir.h"
#include "error_of.h"

using labkit::Config;
using labkit::InputError;
using nlohmann::json;

namespace {
json defaults() {
  return json{{"train", {{"lr", 0.001}, {"epochs", 10}, {"name", "run"}, {"amp", false}}},
              {"sizes", json::array({1, 2})},
              {"checkpoint", nullptr}};
}

using labkit::test::error_of;  // tests/support/error_of.h
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
  const std::string path = labkit::test::fresh_temp_dir("config_merge") + "/labkit_config_test.json";
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
  const std::string path = labkit::test::fresh_temp_dir("config_bad") + "/labkit_config_bad.json";
  {
    std::ofstream(path) << R"({"train": )";
  }
  Config c(defaults());
  const auto msg = error_of([&] { c.merge_file(path); });
  EXPECT_NE(msg.find(path + ": the config file is not valid JSON"), std::string::npos) << msg;
  EXPECT_THROW(c.merge_file("/nonexistent/labkit.json"), InputError);
}

TEST(Config, KeysListsLeaves) {
  Config c(defaults());
  const auto keys = c.keys();
  EXPECT_EQ(keys.size(), 6u);
  EXPECT_NE(std::find(keys.begin(), keys.end(), "train.amp"), keys.end());
}

TEST(Config, UnknownKeySuggestsNearestByEditDistance) {
  Config c(json{{"epochs", 3}, {"batch_size", 4}, {"lr", 0.1}, {"cpcl", {{"passes", 5}, {"start_epoch", 1}}},
                {"aaa", 1}, {"aab", 1}, {"aac", 1}, {"aad", 1}, {"aae", 1}, {"aaf", 1}, {"aag", 1},
                {"aah", 1}, {"aai", 1}, {"aaj", 1}});
  auto msg = error_of([&] { c.apply_override("epoch=3"); });
  EXPECT_NE(msg.find("unknown config key 'epoch' (did you mean 'epochs'?)"), std::string::npos) << msg;
  // Not the first keys alphabetically.
  EXPECT_EQ(msg.find("aaa"), std::string::npos) << msg;
  msg = error_of([&] { c.apply_override("cpcl.pases=3"); });
  EXPECT_NE(msg.find("did you mean 'cpcl.passes'?"), std::string::npos) << msg;
  // A key given without its section, or in the wrong one, is found by its last part.
  msg = error_of([&] { c.apply_override("passes=3"); });
  EXPECT_NE(msg.find("'cpcl.passes'"), std::string::npos) << msg;
  msg = error_of([&] { c.apply_override("bacth_size=3"); });
  EXPECT_NE(msg.find("'batch_size'"), std::string::npos) << "a transposition is one edit: " << msg;
  // Nothing close: no random suggestions, but a pointer to the full list.
  msg = error_of([&] { c.apply_override("no_such_thing=1"); });
  EXPECT_EQ(msg.find("did you mean"), std::string::npos) << msg;
  EXPECT_NE(msg.find("--show-config"), std::string::npos) << msg;
  // The same from a config file.
  msg = error_of([&] { c.merge(json{{"cpcl", {{"start_epochs", 2}}}}, "run.json"); });
  EXPECT_NE(msg.find("run.json: unknown config key 'cpcl.start_epochs' (did you mean 'cpcl.start_epoch'?)"),
            std::string::npos)
      << msg;
}

TEST(Config, FewKeysAreListedWhenNoneIsClose) {
  Config c(json{{"list_limit", 200}});
  const auto msg = error_of([&] { c.apply_override("zzz=1"); });
  EXPECT_NE(msg.find("known keys: list_limit"), std::string::npos) << msg;
}

TEST(Config, RejectedPatchLeavesConfigUnchanged) {
  Config c(defaults());
  EXPECT_THROW(c.merge(json{{"train", {{"epochs", 99}, {"bogus", 1}}}}, "x.json"), InputError);
  EXPECT_EQ(c.get<int>("train.epochs"), 10);
}

TEST(Config, NearestNames) {
  const std::vector<std::string> known{"train.lr", "train.epochs", "model", "seed_offset"};
  EXPECT_EQ(labkit::nearest_names("lr", known), std::vector<std::string>{"train.lr"});
  EXPECT_EQ(labkit::nearest_names("modle", known), std::vector<std::string>{"model"});
  EXPECT_TRUE(labkit::nearest_names("xyz", known).empty());
}

TEST(Config, DifferingKeys) {
  Config c(defaults());
  c.apply_override("train.lr=0.5");
  json other = defaults();
  EXPECT_EQ(c.differing_keys(other), std::vector<std::string>{"train.lr"});
  other["train"]["extra"] = 1;
  EXPECT_EQ(c.differing_keys(other), (std::vector<std::string>{"train.lr", "train.extra"}));
}

// Found by fuzz/config_set_fuzz (reproducer fuzz/corpus/config_set/crash_invalid_utf8_value.txt, first
// line): a --set value with a byte that is not UTF-8 escaped as nlohmann's type_error (an exit 1 with a
// library message) when the error message or config.json was written. Now one InputError, bad bytes not echoed.
TEST(Config, OverrideThatIsNotUtf8IsRefused) {
  std::ifstream in(std::string(LABKIT_SOURCE_DIR) + "/fuzz/corpus/config_set/crash_invalid_utf8_value.txt");
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  ASSERT_EQ(line.rfind("workload=", 0), 0u);
  labkit::Config c(nlohmann::json{{"workload", {{"kind", "spmv"}}}, {"name", "a"}});
  try {
    c.apply_override(line);
    FAIL() << "accepted";
  } catch (const labkit::InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(": not valid UTF-8 text"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\x92'), std::string::npos) << msg;
  }
  EXPECT_THROW(c.apply_override("name=caf\xe9"), labkit::InputError);  // Latin-1 string value
  EXPECT_EQ(c.get<std::string>("name"), "a");
  c.apply_override("name=caf\xc3\xa9");  // the same in UTF-8 is fine
  EXPECT_EQ(c.get<std::string>("name"), "caf\xc3\xa9");
}
