#include "settings.h"

#include <stdexcept>

#include "labkit/core/error.h"

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

InputError bad(const std::string& key, const std::string& why) { return InputError("config " + key + ": " + why); }

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
  const auto blocks = c.get<std::vector<int>>("sweep.blocks");
  const auto mants = c.get<std::vector<int>>("sweep.mantissa_bits");
  const auto pivots = c.get<std::vector<std::string>>("sweep.pivots");
  const int ebits = c.get<int>("sweep.exponent_bits");
  const auto suffix = c.get<std::string>("sweep.suffix");
  if (ebits < 2 || ebits > 8) throw bad("sweep.exponent_bits", "must be in 2..8");
  check_softmax_range(blockfp::parse_format("dbfp:e" + std::to_string(ebits)), "sweep.exponent_bits");
  for (int b : blocks)
    if (b < 1 || b > 1024) throw bad("sweep.blocks", "entries must be in 1..1024");
  for (int m : mants)
    if (m < 1 || m > 23) throw bad("sweep.mantissa_bits", "entries must be in 1..23");
  for (int b : blocks)
    for (int m : mants)
      for (const auto& p : pivots)
        s.formats.push_back(format_at("dbfp:b" + std::to_string(b) + ":m" + std::to_string(m) + ":e" +
                                          std::to_string(ebits) + ":" + p + (suffix.empty() ? "" : ":" + suffix),
                                      "sweep"));
  for (auto& f : format_list(c, "formats")) s.formats.push_back(f);
  s.ppl_formats = format_list(c, "ppl_formats");
  s.lut = {c.get<int>("lut.index_bits"), c.get<int>("lut.entry_bits"), c.get<int>("lut.levels")};
  if (s.lut.index_bits < 0 || s.lut.index_bits > blockfp::kMaxLutIndexBits)
    throw bad("lut.index_bits", "must be in 0.." + std::to_string(blockfp::kMaxLutIndexBits) +
                                    " (a table of at most 64 Ki entries)");
  if (s.lut.entry_bits < 2 || s.lut.entry_bits > blockfp::kQ) throw bad("lut.entry_bits", "must be in 2..30");
  if (s.lut.levels != 1 && s.lut.levels != 2) throw bad("lut.levels", "must be 1 or 2");

  auto& y = s.synthetic;
  y.rows = c.get<int64_t>("synthetic.rows");
  if (y.rows < 0 || y.rows > 1000000) throw bad("synthetic.rows", "must be in 0..1000000");
  y.length = c.get<int64_t>("synthetic.length");
  if (y.length < 1 || y.length > 65536) throw bad("synthetic.length", "must be in 1..65536");
  y.sigma = c.get<double>("synthetic.sigma");
  if (!(y.sigma > 0 && y.sigma < 1e3)) throw bad("synthetic.sigma", "must be in (0, 1000)");
  y.outlier_fraction = c.get<double>("synthetic.outlier_fraction");
  if (!(y.outlier_fraction >= 0 && y.outlier_fraction <= 1)) throw bad("synthetic.outlier_fraction", "must be in [0, 1]");
  y.outlier_low = c.get<double>("synthetic.outlier_low");
  if (!(y.outlier_low <= 0 && y.outlier_low > -1e4)) throw bad("synthetic.outlier_low", "must be in (-10000, 0]");
  y.sink = c.get<double>("synthetic.sink");
  if (!(y.sink >= 0 && y.sink < 1e4)) throw bad("synthetic.sink", "must be in [0, 10000)");

  auto& m = s.model;
  m.streams = c.get<int64_t>("model.streams");
  if (m.streams < 1 || m.streams > 4096) throw bad("model.streams", "must be in 1..4096");
  m.window = c.get<int64_t>("model.window");
  if (m.window < 2 || m.window > 65536) throw bad("model.window", "must be in 2..65536");
  m.capture_rows = c.get<int64_t>("model.capture_rows");
  if (m.capture_rows < 1 || m.capture_rows > 100000) throw bad("model.capture_rows", "must be in 1..100000");
  m.sample_top_p = c.get<double>("model.sample_top_p");
  if (!(m.sample_top_p > 0 && m.sample_top_p <= 1)) throw bad("model.sample_top_p", "must be in (0, 1]");

  auto& p = s.speed;
  p.lengths = c.get<std::vector<int64_t>>("speed.lengths");
  if (p.lengths.empty()) throw bad("speed.lengths", "must not be empty");
  for (auto L : p.lengths)
    if (L < 1 || L > 1 << 20) throw bad("speed.lengths", "entries must be in 1..1048576");
  p.heads = c.get<int64_t>("speed.heads");
  if (p.heads < 1 || p.heads > 1024) throw bad("speed.heads", "must be in 1..1024");
  p.queries = c.get<int64_t>("speed.queries");
  if (p.queries < 1 || p.queries > 65536) throw bad("speed.queries", "must be in 1..65536");
  p.repeats = c.get<int64_t>("speed.repeats");
  if (p.repeats < 1 || p.repeats > 1000) throw bad("speed.repeats", "must be in 1..1000");
  p.format = format_at(c.get<std::string>("speed.format"), "speed.format");
  return s;
}

}  // namespace labkit::dbattn_bench
