#include "settings.h"

#include <fmt/format.h>

#include <limits>
#include <stdexcept>

#include "labkit/core/error.h"
#include "labkit/core/settings.h"

namespace labkit::dbattn_bench {

nlohmann::json default_config() {
  return {
      {"sweep",
       {{"blocks", {16, 32, 64}},
        {"mantissa_bits", {3, 4, 6, 8}},
        {"pivots", {"max", "p75", "median", "outlier2g2"}},
        {"exponent_bits", 6},
        {"suffix", "rne:inf"}}},  // rounding and overflow policy of the sweep's DBFP formats
      {"formats", {"fp32", "mxint8", "mxfp8_e4m3", "mxfp8_e5m2", "mxfp6_e3m2", "mxfp6_e2m3", "mxfp4_e2m1",
                   "dbfp:b32:m4:e6:max:split4:rne:inf", "dbfp:b32:m4:e6:median:split4:rne:inf"}},
      {"ppl_formats", {"fp32", "mxint8", "mxfp8_e4m3", "mxfp8_e5m2", "dbfp:b32:m8:e6:max:rne:inf",
                       "dbfp:b32:m6:e6:max:rne:inf", "dbfp:b32:m4:e6:max:rne:inf", "dbfp:b32:m4:e6:outlier2g2:rne:inf",
                       "dbfp:b32:m4:e6:median:rne:inf", "dbfp:b32:m3:e6:max:rne:inf"}},
      {"lut", {{"index_bits", 8}, {"entry_bits", 16}, {"levels", 1}}},
      {"synthetic",
       {{"rows", 128}, {"length", 1024}, {"sigma", 2.0}, {"outlier_fraction", 0.02}, {"outlier_low", -60.0},
        {"sink", 8.0}}},
      {"model", {{"streams", 8}, {"window", 256}, {"capture_rows", 64}, {"sample_top_p", 1.0}}},
      {"speed",
       {{"lengths", {128, 512, 2048, 8192}},
        {"heads", 32},
        {"queries", 4},
        {"repeats", 5},
        {"format", "dbfp:b32:m8:e6:max:rne:inf"}}},
  };
}

namespace {

InputError bad(const std::string& key, const std::string& why) { return config_error(key, why); }

// A finite number within lo..hi where either end may be open; the message has labkit's form with the
// interval's own brackets ("config synthetic.sigma: must be in (0, 1000), got 0").
constexpr bool kOpen = true, kClosed = false;
double number_between(const labkit::Config& c, const std::string& key, double lo, bool lo_open, double hi, bool hi_open) {
  const double d = number_in(c, key, std::numeric_limits<double>::lowest(), std::numeric_limits<double>::max());
  const bool below = lo_open ? d <= lo : d < lo, above = hi_open ? d >= hi : d > hi;
  if (below || above)
    throw config_error(key, fmt::format("must be in {}{}, {}{}, got {}", lo_open ? "(" : "[", lo, hi, hi_open ? ")" : "]", d));
  return d;
}

blockfp::Format format_at(const std::string& spec, const std::string& key) {
  try {
    auto f = blockfp::parse_format(spec);
    check_softmax_range(f, key);
    return f;
  } catch (const std::invalid_argument& e) {
    throw bad(key, e.what());
  }
}

std::vector<blockfp::Format> format_list(const labkit::Config& c, const std::string& key) {
  std::vector<blockfp::Format> out;
  auto specs = c.get<std::vector<std::string>>(key);
  for (size_t i = 0; i < specs.size(); ++i) out.push_back(format_at(specs[i], key + "[" + std::to_string(i) + "]"));
  return out;
}

}  // namespace

void check_softmax_range(const blockfp::Format& f, const std::string& key) {
  if (f.kind != blockfp::Kind::kBfp && f.kind != blockfp::Kind::kDbfp) return;
  if (f.exponent_bits < 4)
    throw bad(key, std::to_string(f.exponent_bits) + " exponent bits hold shared exponents up to " +
                       std::to_string(f.max_exponent()) + " (|y| < " + std::to_string(2 << f.max_exponent()) +
                       "); softmax needs shifted logits down to -31 (exponent bits >= 4)");
}

Settings Settings::from_config(const labkit::Config& c) {
  Settings s;
  const int ebits = static_cast<int>(int_in(c, "sweep.exponent_bits", 2, 8));
  check_softmax_range(blockfp::parse_format("dbfp:e" + std::to_string(ebits)), "sweep.exponent_bits");
  const auto blocks = ints_in(c, "sweep.blocks", 1, 1024);
  const auto mants = ints_in(c, "sweep.mantissa_bits", 1, 23);
  const auto pivots = c.get<std::vector<std::string>>("sweep.pivots");
  const auto suffix = c.get<std::string>("sweep.suffix");
  for (auto b : blocks)
    for (auto m : mants)
      for (const auto& p : pivots)
        s.formats.push_back(format_at("dbfp:b" + std::to_string(b) + ":m" + std::to_string(m) + ":e" +
                                          std::to_string(ebits) + ":" + p + (suffix.empty() ? "" : ":" + suffix),
                                      "sweep"));
  for (auto& f : format_list(c, "formats")) s.formats.push_back(f);
  s.ppl_formats = format_list(c, "ppl_formats");
  s.lut = {static_cast<int>(int_in(c, "lut.index_bits", 0, blockfp::kMaxLutIndexBits)),  // at most 64 Ki entries
           static_cast<int>(int_in(c, "lut.entry_bits", 2, blockfp::kQ)),
           static_cast<int>(int_in(c, "lut.levels", 1, 2))};

  auto& y = s.synthetic;
  y.rows = int_in(c, "synthetic.rows", 0, 1000000);
  y.length = int_in(c, "synthetic.length", 1, 65536);
  y.sigma = number_between(c, "synthetic.sigma", 0, kOpen, 1e3, kOpen);
  y.outlier_fraction = number_in(c, "synthetic.outlier_fraction", 0, 1);
  y.outlier_low = number_between(c, "synthetic.outlier_low", -1e4, kOpen, 0, kClosed);
  y.sink = number_between(c, "synthetic.sink", 0, kClosed, 1e4, kOpen);

  auto& m = s.model;
  m.streams = int_in(c, "model.streams", 1, 4096);
  m.window = int_in(c, "model.window", 2, 65536);
  m.capture_rows = int_in(c, "model.capture_rows", 1, 100000);
  m.sample_top_p = number_between(c, "model.sample_top_p", 0, kOpen, 1, kClosed);

  auto& p = s.speed;
  p.lengths = ints_in(c, "speed.lengths", 1, 1 << 20, /*min_size=*/1);
  p.heads = int_in(c, "speed.heads", 1, 1024);
  p.queries = int_in(c, "speed.queries", 1, 65536);
  p.repeats = int_in(c, "speed.repeats", 1, 1000);
  p.format = format_at(c.get<std::string>("speed.format"), "speed.format");
  return s;
}

}  // namespace labkit::dbattn_bench
