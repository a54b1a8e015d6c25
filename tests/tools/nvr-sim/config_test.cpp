// Config validation: every bad value is an InputError naming the key.
#include <gtest/gtest.h>

#include <labkit/core/error.h>

#include "config.h"

namespace {

std::string error_for(const std::string& section, const std::string& key, const nlohmann::json& v) {
  auto j = nvr::default_config_json();
  if (section.empty()) j[key] = v;
  else j[section][key] = v;
  try {
    nvr::parse_config(j);
  } catch (const labkit::InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Config, DefaultsParse) {
  const auto c = nvr::parse_config(nvr::default_config_json());
  EXPECT_EQ(c.nsb.size_bytes, 16u * 1024);
  EXPECT_EQ(c.l2.size_bytes, 256u * 1024);
  EXPECT_EQ(c.pf.type, "nvr");
  EXPECT_DOUBLE_EQ(c.pf.ewma_alpha, 0.3);
  EXPECT_DOUBLE_EQ(c.pf.ewma_init, 2.0);
}

TEST(Config, BadValuesNameTheKey) {
  EXPECT_NE(error_for("nsb", "size_kb", 0).find("nsb.size_kb: cache size must be > 0"), std::string::npos);
  // 24 KB / (4 ways x 64 B) = 96 sets
  EXPECT_NE(error_for("nsb", "size_kb", 24).find("(96) must be a power of two"), std::string::npos);
  EXPECT_NE(error_for("prefetcher", "type", "markov").find("unknown prefetcher 'markov'"), std::string::npos);
  EXPECT_NE(error_for("l2", "repl", "fifo").find("l2.repl"), std::string::npos);
  EXPECT_NE(error_for("l2", "ways", 12).find("l2.size_kb: size is not a multiple"), std::string::npos);
  EXPECT_NE(error_for("nsb", "line_bytes", 48).find("power of two"), std::string::npos);
  EXPECT_NE(error_for("workload", "kind", "conv").find("unknown workload"), std::string::npos);
  EXPECT_NE(error_for("", "baseline", "magic").find("baseline"), std::string::npos);
  EXPECT_NE(error_for("npu", "elem_bytes", 3).find("npu.elem_bytes"), std::string::npos);
  // A disabled NSB is not validated; PLRU needs power-of-two ways.
  auto j = nvr::default_config_json();
  j["nsb"]["enabled"] = false;
  j["nsb"]["size_kb"] = 0;
  EXPECT_NO_THROW(nvr::parse_config(j));
  j = nvr::default_config_json();
  j["l2"]["repl"] = "plru";
  j["l2"]["ways"] = 17;
  j["l2"]["size_kb"] = 272;
  EXPECT_THROW(nvr::parse_config(j), labkit::InputError);
  j["l2"]["repl"] = "lru";
  EXPECT_NO_THROW(nvr::parse_config(j));  // 17 ways x 256 sets: LRU allows it
}

}  // namespace
