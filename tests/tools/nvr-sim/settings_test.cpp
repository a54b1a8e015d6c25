// Config validation: every bad value is an InputError naming the key.
#include <gtest/gtest.h>

#include <labkit/core/error.h>

#include "settings.h"

namespace {

std::string error_for(const std::string& section, const std::string& key, const nlohmann::json& v) {
  auto j = labkit::nvr_sim::default_config();
  if (section.empty()) j[key] = v;
  else j[section][key] = v;
  try {
    labkit::nvr_sim::parse_config(j);
  } catch (const labkit::InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Config, DefaultsParse) {
  const auto c = labkit::nvr_sim::parse_config(labkit::nvr_sim::default_config());
  EXPECT_EQ(c.nsb.size_bytes, 16u * 1024);
  EXPECT_EQ(c.l2.size_bytes, 256u * 1024);
  EXPECT_EQ(c.pf.type, "nvr");
  EXPECT_DOUBLE_EQ(c.pf.ewma_alpha, 0.3);
  EXPECT_DOUBLE_EQ(c.pf.ewma_init, 2.0);
}

TEST(Config, BadValuesNameTheKey) {
  EXPECT_NE(error_for("nsb", "size_kb", 0).find("nsb.size_kb: must be in [1, 1048576], got 0"), std::string::npos);
  // 24 KB / (4 ways x 64 B) = 96 sets
  EXPECT_NE(error_for("nsb", "size_kb", 24).find("(96) must be a power of two"), std::string::npos);
  EXPECT_NE(error_for("prefetcher", "type", "markov").find("prefetcher.type: must be one of none, stride, stream, imp, dvr, nvr, got \"markov\""), std::string::npos);
  EXPECT_NE(error_for("l2", "repl", "fifo").find("l2.repl"), std::string::npos);
  EXPECT_NE(error_for("l2", "ways", 12).find("l2.size_kb: size is not a multiple"), std::string::npos);
  EXPECT_NE(error_for("nsb", "line_bytes", 48).find("power of two"), std::string::npos);
  EXPECT_NE(error_for("workload", "kind", "conv").find("workload.kind: must be one of spmm, spmv, sddmm, gnn, embedding_bag, spgemm, trace, champsim, got \"conv\""), std::string::npos);
  EXPECT_NE(error_for("", "baseline", "magic").find("baseline"), std::string::npos);
  EXPECT_NE(error_for("npu", "elem_bytes", 3).find("npu.elem_bytes"), std::string::npos);
  // A disabled NSB's geometry is not checked (its ranges are); PLRU needs power-of-two ways.
  auto j = labkit::nvr_sim::default_config();
  j["nsb"]["enabled"] = false;
  j["nsb"]["size_kb"] = 24;
  EXPECT_NO_THROW(labkit::nvr_sim::parse_config(j));
  j["nsb"]["size_kb"] = -16;
  EXPECT_THROW(labkit::nvr_sim::parse_config(j), labkit::InputError);
  j = labkit::nvr_sim::default_config();
  j["l2"]["repl"] = "plru";
  j["l2"]["ways"] = 17;
  j["l2"]["size_kb"] = 272;
  EXPECT_THROW(labkit::nvr_sim::parse_config(j), labkit::InputError);
  j["l2"]["repl"] = "lru";
  EXPECT_NO_THROW(labkit::nvr_sim::parse_config(j));  // 17 ways x 256 sets: LRU allows it
}

TEST(Config, EveryNumericKeyHasARangeNoWrapAround) {
  // Issue 14: these wrapped (array_dim -1 ran as 4294967295, size_kb -16 gave 2^56 sets) or crashed
  // (size_kb 4294967296 SIGSEGV).
  const struct {
    const char* section;
    const char* key;
    nlohmann::json v;
    const char* want;
  } cases[] = {
      {"npu", "array_dim", -1, "config npu.array_dim: must be in [1, 4096], got -1"},
      {"nsb", "size_kb", -16, "config nsb.size_kb: must be in [1, 1048576], got -16"},
      {"nsb", "size_kb", 4294967296ull, "config nsb.size_kb: must be in [1, 1048576], got 4294967296"},
      {"l2", "size_kb", 4294967296ull, "config l2.size_kb: must be in [1, 1048576]"},
      {"npu", "max_inflight", 1.5, "config npu.max_inflight: must be an integer, got 1.5"},
      {"dram", "banks", 0, "config dram.banks: must be in [1, 1024], got 0"},
      {"dram", "t_cas", -3, "config dram.t_cas: must be in [0, 1073741824], got -3"},
      {"prefetcher", "queue", -1, "config prefetcher.queue: must be in [1, 65536], got -1"},
      {"prefetcher", "ewma_alpha", 0, "config prefetcher.ewma_alpha: must be > 0, got 0"},
      {"prefetcher", "throttle_low", 0.5, "config prefetcher.throttle_low: must not exceed throttle_high"},
      {"workload", "density", 2, "config workload.density: must be in [0, 1], got 2"},
      {"workload", "rows", -5, "config workload.rows: must be in [1, 16777216], got -5"},
      {"workload", "seed", -1, "config workload.seed: must be in [0, 18446744073709551615], got -1"},
      {"workload", "trace_order", "random", "config workload.trace_order: must be one of timed, program, got \"random\""},
      {"l2", "writeback_allocate", 1, "config l2.writeback_allocate: must be true or false"},
  };
  for (const auto& c : cases) EXPECT_EQ(error_for(c.section, c.key, c.v).rfind(c.want, 0), 0u) << error_for(c.section, c.key, c.v);
  // The generated matrix is bounded by what fits.
  auto j = labkit::nvr_sim::default_config();
  j["workload"]["rows"] = j["workload"]["cols"] = 1u << 24;
  j["workload"]["density"] = 0.5;
  EXPECT_THROW(labkit::nvr_sim::parse_config(j), labkit::InputError);
}

}  // namespace
