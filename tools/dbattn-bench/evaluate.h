// Softmax error of each format over row sets, against the float64 reference; the pivot comparison.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "labkit/blockfp/softmax.h"
#include "rows.h"

namespace labkit::dbattn_bench {

struct SetError {
  double mean_kl = 0, max_kl = 0, max_abs = 0;
  int64_t rows = 0;
};

// Float64 reference probabilities of every row of a set.
std::vector<double> reference(const RowSet& set);
// The format's softmax (kernel, `threads`) over every row against `ref`. With `by_layer`, one entry per
// layer of set.layer (rows captured from a model) after the overall one.
std::vector<SetError> evaluate(const blockfp::SoftmaxSpec& spec, const blockfp::ExpLut& lut, const RowSet& set,
                               const std::vector<double>& ref, int threads, bool by_layer = false);

// The `error` verb over every format and set: {"sets": ..., "formats": [...], "pivot_wins": [...]}.
nlohmann::json error_table(const std::vector<blockfp::Format>& formats, const blockfp::LutSpec& lut,
                           const std::vector<RowSet>& sets, int threads);

nlohmann::json to_json(const SetError& e);

}  // namespace labkit::dbattn_bench
