#include "verbs.h"

#include <cstdio>
#include <set>
#include <sstream>

#include "evaluate.h"
#include "labkit/blockfp/cost.h"
#include "labkit/core/error.h"

namespace labkit::dbattn_bench {

using namespace labkit::blockfp;

nlohmann::json cost_table(const Settings& s) {
  std::vector<Format> fs = s.ppl_formats;
  fs.push_back(s.speed.format);
  for (const auto& f : s.formats)
    if (f.kind != Kind::kDbfp || f.block == 32) fs.push_back(f);
  nlohmann::json j{{"lut", {{"index_bits", s.lut.index_bits}, {"entry_bits", s.lut.entry_bits}, {"levels", s.lut.levels}}},
                   {"formats", nlohmann::json::array()}};
  std::set<std::string> seen;
  for (const auto& f : fs) {
    if (!seen.insert(f.name()).second) continue;
    const Cost c = cost_model(f, s.lut);
    j["formats"].push_back({{"format", f.name()},      {"bits_per_element", c.bits_per_element},
                            {"table_bytes", c.table_bytes}, {"compares", c.compares},
                            {"adds", c.adds},            {"multiplies", c.multiplies},
                            {"shifts", c.shifts},        {"lookups", c.lookups},
                            {"transcendental", c.transcendental}, {"total_ops", c.total_ops()}});
  }
  return j;
}

nlohmann::json run_verb(const std::string& verb, const Settings& s, const Inputs& in, uint64_t seed, int threads) {
  if (verb == "cost") return cost_table(s);
  if (verb == "speed") return speed_table(s, seed, threads);
  if (verb == "ppl") {
    if (in.model.model_path.empty()) throw InputError("ppl: needs --checkpoint (a LLaMA checkpoint)");
    return perplexity_table(in.model, s, seed, threads);
  }
  std::vector<RowSet> sets;
  if (s.synthetic.rows > 0) {
    sets.push_back(gaussian_rows(s.synthetic, seed));
    sets.push_back(outlier_rows(s.synthetic, seed));
  }
  if (!in.model.model_path.empty()) sets.push_back(capture_rows(in.model, s, seed, threads));
  if (!in.scores.empty()) sets.push_back(read_score_file(in.scores));
  if (sets.empty()) throw InputError("error: no rows (synthetic.rows is 0 and neither --checkpoint nor --scores given)");
  return error_table(s.formats, s.lut, sets, threads);
}

namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

}  // namespace

std::string summary_text(const std::string& verb, const nlohmann::json& m) {
  std::ostringstream o;
  if (verb == "error") {
    o << "| format | bits/elem |";
    std::vector<std::string> sets;
    for (auto& [name, _] : m["sets"].items()) sets.push_back(name);
    for (auto& n : sets) o << " " << n << " mean KL | " << n << " max abs |";
    o << "\n|---|---|" << std::string(sets.size() * 2, '-') << "\n";
    for (const auto& f : m["formats"]) {
      o << "| " << f["format"].get<std::string>() << " | " << fmt("%.3g", f["bits_per_element"].get<double>()) << " |";
      for (auto& n : sets)
        o << " " << fmt("%.3g", f["sets"][n]["mean_kl"].get<double>()) << " | "
          << fmt("%.3g", f["sets"][n]["max_abs"].get<double>()) << " |";
      o << "\n";
    }
    o << "\nnon-max pivot vs max (mean KL):\n| block | mantissa | set | max | best other | its KL | wins |\n|---|---|---|---|---|---|---|\n";
    for (const auto& w : m["pivot_wins"])
      o << "| " << w["block"] << " | " << w["mantissa_bits"] << " | " << w["set"].get<std::string>() << " | "
        << fmt("%.3g", w["max_pivot_kl"].get<double>()) << " | " << w["best_other"].get<std::string>() << " | "
        << fmt("%.3g", w["best_other_kl"].get<double>()) << " | " << (w["non_max_wins"].get<bool>() ? "yes" : "no")
        << " |\n";
  } else if (verb == "ppl") {
    o << "perplexity over " << m["streams"] << " streams x " << m["window"] << " tokens (" << m["tokens"]
      << " scored); torch softmax " << fmt("%.4f", m["torch_ppl"].get<double>()) << "\n";
    o << "| format | bits/elem | ppl | delta | captured mean KL | captured max abs | worst layer KL |\n|---|---|---|---|---|---|---|\n";
    for (const auto& f : m["formats"]) {
      double worst = 0;
      for (const auto& l : f["per_layer"]) worst = std::max(worst, l["mean_kl"].get<double>());
      o << "| " << f["format"].get<std::string>() << " | " << fmt("%.3g", f["bits_per_element"].get<double>()) << " | "
        << fmt("%.4f", f["ppl"].get<double>()) << " | " << fmt("%+.4f", f["delta_vs_torch"].get<double>()) << " | "
        << fmt("%.3g", f["captured"]["mean_kl"].get<double>()) << " | " << fmt("%.3g", f["captured"]["max_abs"].get<double>())
        << " | " << fmt("%.3g", worst) << " |\n";
    }
  } else if (verb == "speed") {
    o << "format " << m["format"].get<std::string>() << ", " << m["rows"] << " rows per call, " << m["threads"]
      << " threads, kernel ISA " << m["isa"].get<std::string>() << "\n";
    o << "| L | kernel rows/s | ATen rows/s | speedup | kernel mean KL | max abs vs ATen |\n|---|---|---|---|---|---|\n";
    for (const auto& l : m["lengths"])
      o << "| " << l["L"] << " | " << fmt("%.4g", l["kernel_rows_per_s"].get<double>()) << " | "
        << fmt("%.4g", l["aten_rows_per_s"].get<double>()) << " | " << fmt("%.2fx", l["speedup"].get<double>()) << " | "
        << fmt("%.3g", l["kernel_mean_kl"].get<double>()) << " | " << fmt("%.3g", l["max_abs_vs_aten"].get<double>())
        << " |\n";
  } else {
    o << "| format | bits/elem | table bytes | compares | adds | multiplies | shifts | lookups | exp | total ops |\n"
         "|---|---|---|---|---|---|---|---|---|---|\n";
    for (const auto& f : m["formats"])
      o << "| " << f["format"].get<std::string>() << " | " << fmt("%.3g", f["bits_per_element"].get<double>()) << " | "
        << fmt("%.0f", f["table_bytes"].get<double>()) << " | " << fmt("%.3g", f["compares"].get<double>()) << " | "
        << fmt("%.3g", f["adds"].get<double>()) << " | " << fmt("%.3g", f["multiplies"].get<double>()) << " | "
        << fmt("%.3g", f["shifts"].get<double>()) << " | " << fmt("%.3g", f["lookups"].get<double>()) << " | "
        << fmt("%.3g", f["transcendental"].get<double>()) << " | " << fmt("%.3g", f["total_ops"].get<double>()) << " |\n";
  }
  return o.str();
}

}  // namespace labkit::dbattn_bench
