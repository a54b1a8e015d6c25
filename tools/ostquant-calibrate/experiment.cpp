#include "experiment.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "data.h"
#include "labkit/core/curves.h"
#include "labkit/core/error.h"
#include "labkit/core/log.h"
#include "labkit/core/progress.h"
#include "labkit/core/timer.h"
#include "labkit/llama/io.h"
#include "labkit/torchutil/tensor_files.h"
#include "qsur.h"
#include "labkit/core/termination.h"

namespace labkit::ostquant_calibrate {

namespace llama = labkit::llama;

labkit::llama::Model load_checked_model(const std::string& path, torch::Device device) {
  auto model = llama::load_model(path);
  for (const auto& [name, w] : model.weights)
    if (w.is_floating_point() && !torch::isfinite(w).all().item<bool>())
      throw labkit::input_error(path, "weight '" + name + "' holds NaN or inf values");
  return model.to(torch::kFloat, device);
}

void check_settings_for_model(const Settings& s, const llama::Config& c, const OnlineOptions& online) {
  if (s.window > c.seq_len)
    throw labkit::InputError("config window: " + std::to_string(s.window) + " is longer than the model's seq_len " +
                             std::to_string(c.seq_len));
  for (const auto& q : s.settings) rotation_init(c, q, online);  // Hadamard sizes, before any long work
}

Streams prepare_streams(const Inputs& in, const Settings& s, const llama::Model& model, labkit::Timings& timings) {
  const auto& c = model.config;
  std::unique_ptr<llama::Tokenizer> tok;
  if (!in.calib_text.empty() || !in.eval_text.empty()) {
    if (in.tokenizer.empty()) throw labkit::InputError("--calib-text/--eval-text need --tokenizer");
    tok = open_model_tokenizer(in.tokenizer, c.vocab);
  }
  auto get = [&](const std::string& tokens, const std::string& text, int64_t n, uint64_t seed, const char* what) {
    if (!tokens.empty()) return cut_windows(llama::read_token_streams(tokens, c.vocab), s.window, 1, tokens);
    if (!text.empty()) return text_windows(text, *tok, s.window, n, 1);
    labkit::ScopedTimer t(timings, std::string("sample_") + what);
    return sample_streams(model, n, s.window, seed, s.sample_top_p);
  };
  Streams st;
  st.calib = get(in.calib_tokens, in.calib_text, s.calib_streams, s.calib_seed, "calib");
  st.eval = get(in.eval_tokens, in.eval_text, s.eval_streams, s.eval_seed, "eval");
  st.qsur.assign(st.eval.begin(), st.eval.begin() + std::min<int64_t>(st.eval.size(), s.qsur_streams));
  st.source = in.calib_tokens.empty() && in.calib_text.empty() ? "sampled from the model" : "files";
  return st;
}

namespace {

bool is_transformed(Method m) { return m != Method::kRtn && m != Method::kFp && m != Method::kGptq; }

// Weight quantization, then the perplexity pass (its throughput counts activation fake-quant, not the
// weight quantization, which is timed on its own). Throws when the perplexity is not finite.
nlohmann::json quantize_and_evaluate(const Settings& s, const MethodOutcome& r, Method method, const QuantSetting& q,
                                     bool gptq, const Streams& st, labkit::Timings& timings, QuantizedModel& quantized,
                                     const std::string& key) {
  double quant_s = 0, eval_s = 0;
  {
    labkit::ScopedTimer t(timings, "quantize_weights");
    quantized = quantize_model(r.model, q.w_bits, s.clip_search, gptq ? &st.calib : nullptr);
    quant_s = t.elapsed();
  }
  llama::PerplexityResult ppl;
  {
    labkit::ScopedTimer t(timings, "evaluate");
    ppl = evaluate(quantized.model, q, st.eval, s.window);
    eval_s = t.elapsed();
  }
  if (!std::isfinite(ppl.ppl()))
    throw std::runtime_error(key + (gptq ? " (GPTQ)" : "") + ": perplexity is " + std::to_string(ppl.ppl()) +
                             " (the quantized model's outputs are not finite)");
  nlohmann::json e = {{"ppl", ppl.ppl()}, {"tokens", ppl.tokens}, {"eval_seconds", eval_s},
                      {"eval_tokens_per_s", static_cast<double>(ppl.tokens) / std::max(eval_s, 1e-9)},
                      {"weight_quant_seconds", quant_s}};
  if (method != Method::kFp) e["weight_quantizer"] = gptq ? "gptq" : "rtn";
  return e;
}

nlohmann::json train_metrics(const MethodOutcome& r) {
  const auto& tr = r.train;
  return {{"loss", tr.loss},
          {"orthogonality_max", tr.ortho.empty() ? 0.0 : *std::max_element(tr.ortho.begin(), tr.ortho.end())},
          {"seconds", tr.seconds},
          {"seconds_per_step", tr.seconds / std::max<double>(1, static_cast<double>(tr.loss.size() - tr.resumed_from))},
          {"resumed_from", tr.resumed_from},
          {"init", r.init}};
}

Outcome::Saved saved_model(const MethodOutcome& r, const QuantSetting& q, const QuantizedModel& quantized, bool gptq) {
  Outcome::Saved saved{r.model, {}, {}};
  if (q.w_bits == 4) {  // the int4 codes evaluated (RTN or GPTQ), with their per-channel scales
    for (const auto& [name, lin] : quantized.linears) {
      const auto base = name.substr(0, name.size() - std::string("weight").size());
      saved.packed_int4[base + "qweight"] = pack_int4(lin.codes);
      saved.packed_int4[base + "scales"] = lin.scales;
    }
    saved.packed_metadata = {{"format", "labkit-int4-sym-per-channel"}, {"setting", q.name()},
                             {"weight_quantizer", gptq ? "gptq" : "rtn"}};
  }
  return saved;
}

// One (method, setting): build (train for learned methods), quantize, evaluate, QSUR; into `outcome`.
void run_one(const Settings& s, Method method, const QuantSetting& q, const llama::Model& original,
             const llama::Model& fused64, const Streams& st, const OnlineOptions& online, labkit::Run& run,
             Outcome& outcome) {
  const std::string mname = method_name(method);
  const std::string key = mname + "/" + q.name();
  labkit::log::info("{}: building", key);
  TrainOptions tr = s.train;
  tr.seed = run.seed();
  tr.resume = run.resume();
  tr.label = key;
  tr.should_stop = labkit::sigterm_received;
  tr.train_wquant = s.train_wquant_w_only && !q.any_act() && q.w_bits < 16;
  tr.checkpoint = run.out().file("checkpoint-" + mname + "-" + q.name() + ".safetensors");
  MethodOutcome r;
  {
    labkit::ScopedTimer t(run.timings(), "build_" + mname);
    r = build_method(method, q, original, fused64, st.calib, tr, online);
  }
  const bool transformed = is_transformed(method);
  const bool use_gptq = method == Method::kGptq || (transformed && s.weight_quantizer == "gptq");
  const QuantSetting eval_setting = method == Method::kFp ? parse_setting("W16A16") : q;
  QuantizedModel quantized;
  nlohmann::json e = quantize_and_evaluate(s, r, method, eval_setting, use_gptq, st, run.timings(), quantized, key);
  if (transformed && s.weight_quantizer == "rtn+gptq" && q.w_bits < 16) {  // the same transforms under GPTQ too
    QuantizedModel with_gptq;
    e["gptq"] = quantize_and_evaluate(s, r, method, eval_setting, true, st, run.timings(), with_gptq, key);
    labkit::log::info("{} + GPTQ: ppl {:.4f}", key, e["gptq"]["ppl"].get<double>());
  }
  const double ppl = e["ppl"].get<double>();
  if (method == Method::kFp) {
    outcome.fp_ppl = ppl, outcome.has_fp = true;
    outcome.results["fp"] = e;
    labkit::log::info("fp: ppl {:.4f}", ppl);
    return;
  }
  if (transformed) e["qsur"] = qsur_report(r.model, st.qsur)["mean"];
  if (r.trained) {
    e["train"] = train_metrics(r);
    outcome.transforms["transforms-" + mname + "-" + q.name() + ".safetensors"] = r.transforms.to_map();
  }
  outcome.results[mname][q.name()] = e;
  labkit::log::info("{}: ppl {:.4f}", key, ppl);
  if (mname == s.save_method && q.name() == parse_setting(s.save_setting).name())
    outcome.saved = saved_model(r, q, quantized, use_gptq);
}

}  // namespace

Outcome run_methods(const Settings& s, const llama::Model& original, const Streams& st, const OnlineOptions& online,
                    labkit::Run& run) {
  const auto fused64 = fuse_norms(original);
  int64_t jobs = 0;
  for (const auto& q : s.settings)
    for (auto m : s.methods) jobs += !(m == Method::kFp && q.name() != s.settings.front().name());
  Outcome outcome;
  labkit::Progress progress("methods", jobs, "method");
  for (const auto& q : s.settings)
    for (auto m : s.methods) {
      if (m == Method::kFp && q.name() != s.settings.front().name()) continue;  // setting-independent
      if (labkit::sigterm_received())
        throw Interrupted(std::string("SIGTERM: stopped before ") + method_name(m) + "/" + q.name() +
                          "; learned methods keep their checkpoints, continue with --resume");
      run_one(s, m, q, original, fused64, st, online, run, outcome);
      progress.advance();
    }
  progress.finish();
  return outcome;
}

void record_metrics(nlohmann::json& M, const Inputs& in, const Settings& s, const llama::Model& original,
                    const Streams& st, const OnlineOptions& online, const Outcome& outcome, const labkit::OutputDir& out) {
  M["model"] = {{"path", in.model}, {"config", llama::config_to_hf_json(original.config)}};
  M["data"] = {{"window", s.window}, {"calib_windows", st.calib.size()}, {"eval_windows", st.eval.size()},
               {"source", st.source}};
  std::string down_kind;
  rotation_init(original.config, s.settings.front(), online, &down_kind);
  M["online_down_rotation"] = down_kind;
  M["qsur"]["original"] = qsur_report(original, st.qsur);
  if (outcome.has_fp) M["fp_ppl"] = outcome.fp_ppl;
  M["results"] = outcome.results;
  M["saved_model"] = outcome.saved ? nlohmann::json{{"method", s.save_method}, {"setting", s.save_setting},
                                                    {"dir", out.file("model")}}
                                   : nlohmann::json();
}

nlohmann::json training_curves(const nlohmann::json& results) {
  nlohmann::json curves = nlohmann::json::object();
  for (auto method = results.begin(); method != results.end(); ++method) {
    if (method.key() == "fp") continue;  // {"ppl", ...}: not per setting, never trained
    for (auto setting = method->begin(); setting != method->end(); ++setting) {
      if (!setting->contains("train")) continue;  // RTN, GPTQ: nothing learned
      const auto& loss = setting->at("train").at("loss");
      for (size_t i = 0; i < loss.size(); ++i)
        labkit::add_curve_point(curves, "KL-Top loss", "step", method.key() + "/" + setting.key(), double(i + 1),
                                loss[i].get<double>());
    }
  }
  if (curves.contains("KL-Top loss")) labkit::set_curve_log_y(curves, "KL-Top loss");
  return curves;
}

void write_outputs(const labkit::OutputDir& out, const Streams& st, const Outcome& outcome) {
  llama::write_token_streams(out.file("calib_tokens.txt"), st.calib);
  llama::write_token_streams(out.file("eval_tokens.txt"), st.eval);
  for (const auto& [name, map] : outcome.transforms) labkit::torchutil::save_safetensors(out.file(name), map);
  if (outcome.saved) {
    llama::save_hf(outcome.saved->model, out.file("model"));
    if (!outcome.saved->packed_int4.empty()) {
      labkit::torchutil::save_safetensors(out.file("model/quantized_int4.safetensors"), outcome.saved->packed_int4,
                                        outcome.saved->packed_metadata);
    }
  }
}

std::string perplexity_table(const Settings& s, const Outcome& outcome) {
  std::vector<std::string> cols;
  for (const auto& q : s.settings) cols.push_back(q.name());
  std::string text = fmt::format("{:<16}", "perplexity");
  for (const auto& c : cols) text += fmt::format(" {:>12}", c);
  text += "\n";
  auto cell = [](const nlohmann::json& e) { return fmt::format(" {:>12.3f}", e["ppl"].get<double>()); };
  for (auto m : s.methods) {
    const std::string name = method_name(m);
    if (m == Method::kFp) {
      if (!outcome.has_fp) continue;
      text += fmt::format("{:<16}", name);
      for (size_t i = 0; i < cols.size(); ++i) text += cell(outcome.results["fp"]);
      text += "\n";
      continue;
    }
    if (!outcome.results.contains(name)) continue;
    const auto& row = outcome.results[name];
    text += fmt::format("{:<16}", name);
    for (const auto& c : cols) text += row.contains(c) ? cell(row[c]) : fmt::format(" {:>12}", "-");
    text += "\n";
    if (s.weight_quantizer == "rtn+gptq" && is_transformed(m)) {
      text += fmt::format("{:<16}", name + " + gptq");
      for (const auto& c : cols)
        text += row.contains(c) && row[c].contains("gptq") ? cell(row[c]["gptq"]) : fmt::format(" {:>12}", "-");
      text += "\n";
    }
  }
  return text;
}

}  // namespace labkit::ostquant_calibrate
