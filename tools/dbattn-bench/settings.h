// dbattn-bench settings, built from the resolved config (default_config() is the single source of
// defaults and the schema); every key validated, errors name the key.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "labkit/blockfp/format.h"
#include "labkit/blockfp/softmax.h"
#include "labkit/core/config.h"

namespace labkit::dbattn_bench {

struct SyntheticSettings {
  int64_t rows, length;
  double sigma;             // gaussian scores N(0, sigma)
  double outlier_fraction;  // outlier-heavy rows: this fraction of entries pushed far below ...
  double outlier_low;       // ... to outlier_low + N(0, sigma) ...
  double sink;              // ... and one entry raised to max + sink (an attention-sink-like peak)
};

struct ModelSettings {
  int64_t streams, window, capture_rows;  // capture_rows: score rows kept per layer
  double sample_top_p;
};

struct SpeedSettings {
  std::vector<int64_t> lengths;
  int64_t heads, queries, repeats;
  blockfp::Format format;
};

struct Settings {
  std::vector<blockfp::Format> formats;  // the sweep (block x mantissa x pivot) then `formats`
  std::vector<blockfp::Format> ppl_formats;
  blockfp::LutSpec lut;
  SyntheticSettings synthetic;
  ModelSettings model;
  SpeedSettings speed;

  static Settings from_config(const labkit::Config& c);
};

nlohmann::json default_config();

// The shared-exponent range a softmax format must hold: the DH-LUT's exp reaches 0 at t = 31, so shifted
// logits down to -31 must be representable: 2^(Emax+1) >= 32, i.e. exponent_bits >= 4. Throws
// InputError("config <key>: ...") otherwise.
void check_softmax_range(const blockfp::Format& f, const std::string& key);

}  // namespace labkit::dbattn_bench
