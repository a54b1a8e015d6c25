#include "evaluate.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "labkit/blockfp/kernel.h"
#include "labkit/core/error.h"
#include "labkit/core/progress.h"

namespace labkit::dbattn_bench {

using namespace labkit::blockfp;

std::vector<double> reference(const RowSet& set) {
  std::vector<double> ref(set.data.size());
  for (int64_t r = 0; r < set.count(); ++r) softmax_reference(set.data.data() + r * set.n, ref.data() + r * set.n, set.n);
  return ref;
}

std::vector<SetError> evaluate(const SoftmaxSpec& spec, const ExpLut& lut, const RowSet& set,
                               const std::vector<double>& ref, int threads, bool by_layer) {
  std::vector<float> p(set.data.size());
  softmax_rows(spec, lut, set.data.data(), p.data(), set.count(), set.n, threads);
  int layers = 0;
  if (by_layer)
    for (int l : set.layer) layers = std::max(layers, l + 1);
  std::vector<SetError> out(1 + layers);
  for (int64_t r = 0; r < set.count(); ++r) {
    const auto e = row_error(ref.data() + r * set.n, p.data() + r * set.n, set.n);
    if (!std::isfinite(e.kl) || !std::isfinite(e.max_abs))
      throw std::runtime_error("format " + spec.format.name() + ": non-finite error on row " + std::to_string(r) +
                               " of " + set.name);
    for (int k : {0, by_layer ? 1 + set.layer[r] : -1}) {
      if (k < 0) continue;
      auto& o = out[k];
      o.rows++;
      o.mean_kl += e.kl;
      o.max_kl = std::max(o.max_kl, e.kl);
      o.max_abs = std::max(o.max_abs, e.max_abs);
    }
  }
  for (auto& o : out)
    if (o.rows) o.mean_kl /= static_cast<double>(o.rows);
  return out;
}

nlohmann::json to_json(const SetError& e) {
  return {{"mean_kl", e.mean_kl}, {"max_kl", e.max_kl}, {"max_abs", e.max_abs}, {"rows", e.rows}};
}

namespace {

// "When does a non-max pivot beat the max?": for each (block, mantissa) of the sweep and each set, the max
// pivot's mean KL against the best other pivot's.
nlohmann::json pivot_wins(const nlohmann::json& formats, const std::vector<Format>& parsed,
                          const std::vector<RowSet>& sets) {
  std::map<std::pair<int, int>, std::vector<size_t>> groups;
  for (size_t i = 0; i < parsed.size(); ++i)
    if (parsed[i].kind == Kind::kDbfp && parsed[i].split_range == 0)
      groups[{parsed[i].block, parsed[i].mantissa_bits}].push_back(i);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [key, idx] : groups) {
    for (const auto& set : sets) {
      double max_kl = -1, best_kl = 1e300;
      std::string best;
      for (size_t i : idx) {
        const double kl = formats[i]["sets"][set.name]["mean_kl"].get<double>();
        if (parsed[i].pivot == Pivot::kMax) {
          max_kl = kl;
        } else if (kl < best_kl) {
          best_kl = kl;
          best = formats[i]["format"].get<std::string>();
        }
      }
      if (max_kl < 0 || best.empty()) continue;
      out.push_back({{"block", key.first}, {"mantissa_bits", key.second}, {"set", set.name}, {"max_pivot_kl", max_kl},
                     {"best_other", best}, {"best_other_kl", best_kl}, {"non_max_wins", best_kl < max_kl}});
    }
  }
  return out;
}

}  // namespace

nlohmann::json error_table(const std::vector<Format>& formats, const LutSpec& lut, const std::vector<RowSet>& sets,
                           int threads) {
  nlohmann::json j;
  std::vector<std::vector<double>> refs;
  for (const auto& set : sets) {
    j["sets"][set.name] = {{"rows", set.count()}, {"length", set.n}};
    refs.push_back(reference(set));
  }
  const ExpLut table(lut);
  j["formats"] = nlohmann::json::array();
  Progress progress("formats", static_cast<int64_t>(formats.size()), "formats");
  for (const auto& f : formats) {
    nlohmann::json row{{"format", f.name()}, {"bits_per_element", f.bits_per_element()}};
    for (size_t s = 0; s < sets.size(); ++s)
      row["sets"][sets[s].name] = to_json(evaluate({f, lut}, table, sets[s], refs[s], threads)[0]);
    j["formats"].push_back(row);
    progress.advance();
  }
  progress.finish();
  j["pivot_wins"] = pivot_wins(j["formats"], formats, sets);
  return j;
}

}  // namespace labkit::dbattn_bench
